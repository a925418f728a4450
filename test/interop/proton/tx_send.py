#!/usr/bin/python3
"""TxSend from the Proton Python client guide (example 3.8), for salvo's interop tests.

Sends --messages messages in transactions of --batch-size, committing each
batch (or aborting it with --rollback), and prints one JSON line:
{"committed": n, "aborted": n, "sent": n, "accepted": n, "declare_failed": n, "error": null | "..."}.
Bounded: gives up after --timeout seconds.
"""
import json
import optparse
import sys

from proton import Message, Url
from proton.handlers import MessagingHandler, TransactionHandler
from proton.reactor import Container


class TxSend(MessagingHandler, TransactionHandler):
    def __init__(self, url, messages, batch_size, rollback, timeout):
        super(TxSend, self).__init__()
        self.url = Url(url)
        self.total = messages
        self.batch_size = batch_size
        self.rollback = rollback
        self.timeout = timeout
        self.current_batch = 0
        self.done_messages = 0  # committed or aborted
        self.result = {"committed": 0, "aborted": 0, "sent": 0, "accepted": 0,
                       "declare_failed": 0, "commit_failed": 0, "error": None}
        self.transaction = None
        self.conn = None
        self.timer = None

    def on_start(self, event):
        self.container = event.container
        self.conn = self.container.connect(self.url, sasl_enabled=False)
        self.sender = self.container.create_sender(self.conn, self.url.path)
        self.container.declare_transaction(self.conn, handler=self)
        self.timer = self.container.schedule(self.timeout, self)

    def on_timer_task(self, event):
        self.finish("timed out after %ss" % self.timeout)

    def on_transaction_declared(self, event):
        self.transaction = event.transaction
        self.send()

    def on_transaction_declare_failed(self, event):
        self.result["declare_failed"] += 1
        self.finish("declare failed: %s" % event.delivery.remote_state)

    def on_sendable(self, event):
        self.send()

    def send(self):
        while self.transaction and self.sender.credit and (self.done_messages + self.current_batch) < self.total:
            seq = self.done_messages + self.current_batch + 1
            self.transaction.send(self.sender, Message(id=seq, body={"sequence": seq}))
            self.result["sent"] += 1
            self.current_batch += 1
            if self.current_batch == self.batch_size or self.done_messages + self.current_batch == self.total:
                if self.rollback:
                    self.transaction.abort()
                else:
                    self.transaction.commit()
                self.transaction = None

    def on_accepted(self, event):
        if event.sender == self.sender:
            self.result["accepted"] += 1

    def next_batch(self):
        self.done_messages += self.current_batch
        self.current_batch = 0
        if self.done_messages >= self.total:
            self.finish(None)
        else:
            self.container.declare_transaction(self.conn, handler=self)

    def on_transaction_committed(self, event):
        self.result["committed"] += self.current_batch
        self.next_batch()

    def on_transaction_aborted(self, event):
        self.result["aborted"] += self.current_batch
        self.next_batch()

    def on_transaction_commit_failed(self, event):
        self.result["commit_failed"] += 1
        self.finish("commit failed: %s" % event.delivery.remote_state)

    def on_transport_error(self, event):
        self.finish("transport error: %s" % event.transport.condition)

    def on_disconnected(self, event):
        if self.conn is not None:
            self.finish("disconnected")

    def finish(self, error):
        if self.conn is None:
            return
        if error and not self.result["error"]:
            self.result["error"] = error
        print(json.dumps(self.result), flush=True)
        if self.timer:
            self.timer.cancel()
        conn, self.conn = self.conn, None
        conn.close()
        self.container.stop()


def main():
    parser = optparse.OptionParser(usage="usage: %prog [options]")
    parser.add_option("-a", "--address", default="amqp://127.0.0.1:5672/examples")
    parser.add_option("-m", "--messages", type="int", default=100)
    parser.add_option("-b", "--batch-size", type="int", default=10)
    parser.add_option("--rollback", action="store_true", default=False, help="abort every batch instead of committing")
    parser.add_option("-t", "--timeout", type="float", default=20.0)
    opts, _ = parser.parse_args()
    handler = TxSend(opts.address, opts.messages, opts.batch_size, opts.rollback, opts.timeout)
    try:
        Container(handler).run()
    except Exception as error:  # report, do not hang
        handler.result["error"] = handler.result["error"] or "exception: %r" % (error,)
        print(json.dumps(handler.result), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()

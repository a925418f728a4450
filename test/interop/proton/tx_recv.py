#!/usr/bin/python3
"""TxRecv from the Proton Python client guide (example 3.9), for salvo's interop tests.

Transactional (default): receives --messages messages in transactions of
--batch-size, granting exactly one batch of credit per transaction, accepting
each message under the transaction and committing (or with --rollback,
aborting) each batch. --plain: an ordinary auto-accepting receiver instead,
which stops after --messages messages or after --idle seconds without one.

Prints one JSON line: {"received": n, "committed": n, "aborted": n,
"bodies": [...], "delivery_counts": [...], "error": null | "..."}.
Bounded: gives up after --timeout seconds.
"""
import json
import optparse
import sys

from proton import Url
from proton.handlers import MessagingHandler, TransactionHandler
from proton.reactor import Container


def sequence_of(body):
    if isinstance(body, dict) and "sequence" in body:
        return body["sequence"]
    return body if isinstance(body, (int, float, str)) else repr(body)


class TxRecv(MessagingHandler, TransactionHandler):
    def __init__(self, opts):
        super(TxRecv, self).__init__(prefetch=0, auto_accept=opts.plain)
        self.url = Url(opts.address)
        self.expected = opts.messages
        self.batch_size = opts.batch_size
        self.rollback = opts.rollback
        self.plain = opts.plain
        self.idle = opts.idle
        self.timeout = opts.timeout
        self.current_batch = 0
        self.transaction = None
        self.conn = None
        self.timer = None
        self.idle_timer = None
        self.result = {"received": 0, "committed": 0, "aborted": 0, "bodies": [], "delivery_counts": [], "error": None}

    def on_start(self, event):
        self.container = event.container
        self.conn = self.container.connect(self.url, sasl_enabled=False)
        self.receiver = self.container.create_receiver(self.conn, self.url.path)
        self.timer = self.container.schedule(self.timeout, self)
        if self.plain:
            self.receiver.flow(self.expected)
            self.arm_idle()
        else:
            self.container.declare_transaction(self.conn, handler=self)

    def arm_idle(self):
        if self.idle_timer:
            self.idle_timer.cancel()
        self.idle_timer = self.container.schedule(self.idle, IdleTimeout(self))

    def on_timer_task(self, event):
        self.finish("timed out after %ss" % self.timeout)

    def on_message(self, event):
        self.result["received"] += 1
        self.result["bodies"].append(sequence_of(event.message.body))
        self.result["delivery_counts"].append(event.message.delivery_count)
        if self.plain:
            if self.result["received"] >= self.expected:
                self.finish(None)
            else:
                self.arm_idle()
            return
        self.transaction.accept(event.delivery)
        self.current_batch += 1
        if self.current_batch == self.batch_size or self.result["received"] == self.expected:
            if self.rollback:
                self.transaction.abort()
            else:
                self.transaction.commit()
            self.transaction = None

    def on_transaction_declared(self, event):
        self.transaction = event.transaction
        self.receiver.flow(min(self.batch_size, self.expected - self.result["received"]))

    def on_transaction_declare_failed(self, event):
        self.finish("declare failed: %s" % event.delivery.remote_state)

    def next_batch(self):
        self.current_batch = 0
        if self.rollback or self.result["received"] >= self.expected:
            # A rolled-back batch goes back to the queue: stop, so another receiver can take it.
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
        for timer in (self.timer, self.idle_timer):
            if timer:
                timer.cancel()
        conn, self.conn = self.conn, None
        conn.close()
        self.container.stop()


class IdleTimeout(object):
    def __init__(self, receiver):
        self.receiver = receiver

    def on_timer_task(self, event):
        self.receiver.finish(None)


def main():
    parser = optparse.OptionParser(usage="usage: %prog [options]")
    parser.add_option("-a", "--address", default="amqp://127.0.0.1:5672/examples")
    parser.add_option("-m", "--messages", type="int", default=100)
    parser.add_option("-b", "--batch-size", type="int", default=10)
    parser.add_option("--rollback", action="store_true", default=False, help="abort the batch (then stop) instead of committing")
    parser.add_option("--plain", action="store_true", default=False, help="plain auto-accepting receiver, no transactions")
    parser.add_option("--idle", type="float", default=1.0, help="--plain: stop after this many seconds without a message")
    parser.add_option("-t", "--timeout", type="float", default=20.0)
    opts, _ = parser.parse_args()
    handler = TxRecv(opts)
    try:
        Container(handler).run()
    except Exception as error:  # report, do not hang
        handler.result["error"] = handler.result["error"] or "exception: %r" % (error,)
        print(json.dumps(handler.result), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()

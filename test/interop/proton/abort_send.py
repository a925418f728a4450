#!/usr/bin/env python3
"""Starts a multi-frame message, aborts it part-way (AMQP 1.0 section 2.7.5), then sends
--count whole messages on the same link. Prints {aborted, sent, accepted, ...}.

A correct peer discards the aborted delivery: only the whole messages reach the queue."""
import common
from proton import Message
from proton.reactor import Container


class Abort(object):
    """Aborts a delivery on a later turn of the reactor, once its first frames were written."""

    def __init__(self, handler, sender, delivery):
        self.handler = handler
        self.sender = sender
        self.delivery = delivery

    def on_timer_task(self, event):
        self.delivery.abort()
        self.handler.aborted += 1
        self.handler.pending = False
        self.handler.pump(self.sender, event.container)


class AbortSend(common.Base):
    def __init__(self, args):
        super(AbortSend, self).__init__()
        self.args = args
        self.aborted = 0
        self.pending = False
        self.sent = 0
        self.accepted = 0

    def fields(self):
        return {"aborted": self.aborted, "sent": self.sent, "accepted": self.accepted}

    def on_start(self, event):
        common.hard_timeout(self.args.timeout, self)
        connection = common.connect(event.container, self.args)
        event.container.create_sender(connection, self.args.address)

    def on_sendable(self, event):
        self.pump(event.sender, event.container)

    def pump(self, sender, container):
        if self.pending:
            return
        if self.aborted < self.args.aborts:
            if sender.credit > 0:
                encoded = Message(id="aborted", body=b"x" * self.args.aborted_size).encode()
                delivery = sender.delivery("aborted-%d" % self.aborted)
                # Half the bytes go out (more=true), then, on a later turn, the abort.
                sender.stream(encoded[: len(encoded) // 2])
                self.pending = True
                container.schedule(0, Abort(self, sender, delivery))
            return
        while sender.credit > 0 and self.sent < self.args.count:
            sender.send(Message(id="whole-%d" % self.sent, body=self.sent))
            self.sent += 1

    def on_accepted(self, event):
        self.accepted += 1
        if self.accepted == self.args.count:
            event.connection.close()


def main():
    p = common.parser("Abort one multi-frame delivery, then send whole messages")
    p.add_argument("--count", type=int, default=3)
    p.add_argument("--aborts", type=int, default=1, help="aborted deliveries before the whole ones")
    p.add_argument("--aborted-size", type=int, default=200000)
    args = p.parse_args()
    handler = AbortSend(args)
    common.run(Container(handler), handler, lambda r: r["accepted"] == args.count)


if __name__ == "__main__":
    main()

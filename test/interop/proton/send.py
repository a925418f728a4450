#!/usr/bin/env python3
"""Send N messages (reliable: count the broker's accepts; --best-effort: AtMostOnce, pre-settled).

Message n (1-based): id n, body {"sequence": n}, application properties
{"seq": n, "colour": <--colours cycled>, "sender": "proton", "flag": n is even, "ratio": n / 2}.
"""
from proton import Message
from proton.reactor import AtMostOnce, Container

import common


class Send(common.Base):
    def __init__(self, args):
        super(Send, self).__init__()
        self.args = args
        self.total = args.count
        self.colours = args.colours.split(",") if args.colours else []
        self.sent = 0
        self.accepted = 0
        self.rejected = 0
        self.released = 0
        self.sender = None

    def fields(self):
        return {"sent": self.sent, "accepted": self.accepted, "rejected": self.rejected, "released": self.released}

    def on_start(self, event):
        conn = common.connect(event.container, self.args)
        options = AtMostOnce() if self.args.best_effort else None
        self.sender = event.container.create_sender(conn, self.args.address, options=options)

    def message(self, n):
        properties = {"seq": n, "sender": "proton", "flag": n % 2 == 0, "ratio": n / 2.0}
        if self.colours:
            properties["colour"] = self.colours[(n - 1) % len(self.colours)]
        return Message(id=n, body={"sequence": n}, properties=properties)

    def on_sendable(self, event):
        if self.total == 0:
            event.connection.close()
            return
        while event.sender.credit and self.sent < self.total:
            self.sent += 1
            event.sender.send(self.message(self.sent))
        if self.args.best_effort and self.sent == self.total:
            event.connection.close()

    def settled_all(self, event):
        if self.accepted + self.rejected + self.released == self.total:
            event.connection.close()

    def on_accepted(self, event):
        self.accepted += 1
        self.settled_all(event)

    def on_rejected(self, event):
        self.rejected += 1
        self.settled_all(event)

    def on_released(self, event):
        self.released += 1
        self.settled_all(event)

    def on_disconnected(self, event):
        if self.sent < self.total or (not self.args.best_effort and self.accepted < self.total):
            self.errors.append("disconnected early")


def main():
    p = common.parser("Send messages to the given address.")
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--best-effort", action="store_true")
    p.add_argument("--colours", help="comma-separated colours, cycled over the messages")
    args = p.parse_args()
    handler = Send(args)
    common.hard_timeout(args.timeout, handler)
    if args.best_effort:
        done = lambda r: r["sent"] == args.count
    else:
        done = lambda r: r["accepted"] == args.count
    common.run(Container(handler), handler, done)


if __name__ == "__main__":
    main()

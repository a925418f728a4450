#!/usr/bin/env python3
"""Receive N messages and print them in arrival order (ids, bodies, properties, delivery counts).

Credit is granted exactly, so a receiver asked for N never takes an N+1th message off
the queue. --selector adds a Selector filter, --best-effort AtMostOnce. With
--idle-timeout the receiver gives up (exit 1) after that long without a message.
"""
import time

from proton.reactor import AtMostOnce, Container, Selector

import common


class Recv(common.Base):
    def __init__(self, args):
        super(Recv, self).__init__(prefetch=0)
        self.args = args
        self.expected = args.count
        self.window = max(1, min(args.window, args.count))
        self.credited = 0
        self.received = 0
        self.ids = []
        self.bodies = []
        self.properties = []
        self.property_types = []
        self.delivery_counts = []
        self.settled_by_sender = 0
        self.receiver = None
        self.last = time.time()
        self.done = False
        self.remote_filter = None
        self.timer = None

    def fields(self):
        out = {
            "received": self.received,
            "ids": self.ids,
            "bodies": self.bodies,
            "properties": self.properties,
            "delivery_counts": self.delivery_counts,
            "settled_by_sender": self.settled_by_sender,
        }
        if self.args.types:
            out["property_types"] = self.property_types
        if self.args.selector:
            out["remote_filter"] = self.remote_filter
        return out

    def on_start(self, event):
        conn = common.connect(event.container, self.args)
        options = []
        if self.args.best_effort:
            options.append(AtMostOnce())
        if self.args.selector:
            options.append(Selector(self.args.selector))
        self.receiver = event.container.create_receiver(conn, self.args.address, options=options or None)
        self.top_up()
        if self.args.idle_timeout:
            self.timer = event.container.schedule(self.args.idle_timeout, self)

    def on_link_opened(self, event):
        if event.receiver == self.receiver and self.args.selector:
            data = event.receiver.remote_source.filter
            data.rewind()
            self.remote_filter = common.jsonable(data.get_object()) if data.next() else None

    def top_up(self):
        outstanding = self.credited - self.received
        if outstanding <= self.window // 2:
            add = min(self.window - outstanding, self.expected - self.credited)
            if add > 0:
                self.receiver.flow(add)
                self.credited += add

    def on_message(self, event):
        if self.done:
            return
        message = event.message
        self.received += 1
        self.last = time.time()
        self.ids.append(common.jsonable(message.id))
        self.bodies.append(common.jsonable(message.body))
        self.properties.append(common.jsonable(message.properties or {}))
        self.property_types.append(common.type_names(message.properties))
        self.delivery_counts.append(message.delivery_count)
        if event.delivery.settled:  # settled by the sender (pre-settled)
            self.settled_by_sender += 1
        if self.received == self.expected:
            self.finish(event.connection)
        else:
            self.top_up()

    def finish(self, connection):
        self.done = True
        if self.timer is not None:
            self.timer.cancel()
        self.receiver.close()
        connection.close()

    def on_timer_task(self, event):
        if self.done:
            return
        idle = time.time() - self.last
        if idle >= self.args.idle_timeout:
            self.errors.append("idle for %.1fs with %d of %d messages" % (idle, self.received, self.expected))
            self.finish(self.receiver.connection)
        else:
            self.timer = event.container.schedule(self.args.idle_timeout - idle, self)


def main():
    p = common.parser("Receive messages from the given address.")
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--window", type=int, default=100, help="credit window")
    p.add_argument("--best-effort", action="store_true")
    p.add_argument("--selector")
    p.add_argument("--idle-timeout", type=float, default=0.0)
    p.add_argument("--types", action="store_true", help="also print the Python type of each property")
    args = p.parse_args()
    handler = Recv(args)
    common.hard_timeout(args.timeout, handler)
    common.run(Container(handler), handler, lambda r: r["received"] == args.count)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Request/response server (the guide's Server): upper-cases each request body and replies to
its reply_to, through an ANONYMOUS-RELAY sender when the broker offers one. Stops after --count.
"""
from proton import Message
from proton.reactor import Container

import common


class Server(common.Base):
    def __init__(self, args):
        super(Server, self).__init__()
        self.args = args
        self.senders = {}
        self.relay = None
        self.handled = 0
        self.delivered = 0
        self.requests = []
        self.offered = []
        self.conn = None

    def fields(self):
        return {"handled": self.handled, "delivered": self.delivered, "requests": self.requests, "relay": self.relay is not None, "offered": self.offered}

    def on_start(self, event):
        self.container = event.container
        self.conn = common.connect(event.container, self.args)
        self.receiver = event.container.create_receiver(self.conn, self.args.address)

    def on_connection_opened(self, event):
        caps = event.connection.remote_offered_capabilities
        self.offered = [str(c) for c in caps] if caps else []
        if "ANONYMOUS-RELAY" in self.offered:
            self.relay = self.container.create_sender(self.conn, None)

    def on_message(self, event):
        request = event.message
        self.requests.append(request.body)
        sender = self.relay or self.senders.get(request.reply_to)
        if not sender:
            sender = self.container.create_sender(self.conn, request.reply_to)
            self.senders[request.reply_to] = sender
        sender.send(Message(address=request.reply_to, body=request.body.upper(), correlation_id=request.correlation_id))
        self.handled += 1

    def on_accepted(self, event):
        # A reply reached its node: stop once the last one has.
        self.delivered += 1
        if self.delivered >= self.args.count:
            event.connection.close()

    def on_rejected(self, event):
        self.errors.append("reply rejected: %s" % (event.delivery.remote.condition,))
        event.connection.close()


def main():
    p = common.parser("Upper-case requests and reply to their reply_to.")
    p.add_argument("--count", type=int, default=4, help="requests to serve before stopping")
    args = p.parse_args()
    handler = Server(args)
    common.hard_timeout(args.timeout, handler)
    common.run(Container(handler), handler, lambda r: r["handled"] == args.count and r["delivered"] == args.count)


if __name__ == "__main__":
    main()

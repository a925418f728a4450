#!/usr/bin/env python3
"""Request/response client (the guide's Client): a dynamic receiver for replies, then one
request at a time with reply_to set to the address the broker gave it.
"""
from proton import Message
from proton.reactor import Container

import common

REQUESTS = ["Twas brillig, and the slithy toves",
            "Did gire and gymble in the wabe.",
            "All mimsy were the borogroves,",
            "And the mome raths outgrabe."]


class Client(common.Base):
    def __init__(self, args, requests):
        super(Client, self).__init__()
        self.args = args
        self.requests = list(requests)
        self.pending = list(requests)
        self.replies = []
        self.reply_to = None
        self.correlations_ok = True

    def fields(self):
        return {"reply_to": self.reply_to, "replies": self.replies, "correlations_ok": self.correlations_ok}

    def on_start(self, event):
        conn = common.connect(event.container, self.args)
        self.sender = event.container.create_sender(conn, self.args.address)
        self.receiver = event.container.create_receiver(conn, None, dynamic=True)

    def next_request(self):
        if self.receiver.remote_source.address:
            self.reply_to = self.receiver.remote_source.address
            n = len(self.requests) - len(self.pending)
            self.sender.send(Message(reply_to=self.reply_to, correlation_id="req-%d" % n, body=self.pending[0]))

    def on_link_opened(self, event):
        if event.receiver == self.receiver:
            self.next_request()

    def on_message(self, event):
        n = len(self.requests) - len(self.pending)
        if event.message.correlation_id != "req-%d" % n:
            self.correlations_ok = False
        self.replies.append({"request": self.pending.pop(0), "reply": event.message.body})
        if self.pending:
            self.next_request()
        else:
            event.connection.close()


def main():
    p = common.parser("Send requests and print the replies.")
    p.add_argument("requests", nargs="*")
    args = p.parse_args()
    handler = Client(args, args.requests or REQUESTS)
    common.hard_timeout(args.timeout, handler)
    expected = len(args.requests or REQUESTS)
    common.run(Container(handler), handler, lambda r: len(r["replies"]) == expected and r["correlations_ok"])


if __name__ == "__main__":
    main()

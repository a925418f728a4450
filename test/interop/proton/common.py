"""Shared pieces of the Proton interop programs: options, TLS, a hard timeout, one JSON line out.

Every program prints exactly one JSON object on stdout and exits 0 only when it did
everything it was asked; a program that runs past --timeout prints what it has with
"error": "timeout" and exits 3.
"""
import argparse
import json
import os
import signal
import sys
import time

from proton import Described, SSLDomain
from proton.handlers import MessagingHandler

EXIT_FAILED = 1
EXIT_TIMEOUT = 3


def parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--url", required=True, help="amqp://host:port or amqps://host:port")
    p.add_argument("--address", default="examples")
    p.add_argument("--timeout", type=float, default=30.0, help="hard limit in seconds")
    p.add_argument("--ca", help="CA (PEM) to verify the broker with")
    p.add_argument("--cert", help="client certificate (PEM)")
    p.add_argument("--key", help="client private key (PEM)")
    p.add_argument("--key-password", help="password of --key")
    p.add_argument("--verify", choices=["peer", "peer-name"], default="peer-name")
    p.add_argument("--sni", help="host name to verify the broker's certificate against")
    p.add_argument("--user")
    p.add_argument("--password")
    return p


def emit(result):
    sys.stdout.write(json.dumps(result, default=str) + "\n")
    sys.stdout.flush()


def hard_timeout(seconds, handler):
    """After `seconds`, print the handler's result so far with error=timeout and exit."""
    def expire(_signum, _frame):
        result = dict(handler.result())
        result["ok"] = False
        result["error"] = "timeout after %ss" % seconds
        emit(result)
        os._exit(EXIT_TIMEOUT)
    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def ssl_domain(args):
    if not args.url.startswith("amqps:"):
        return None
    domain = SSLDomain(SSLDomain.MODE_CLIENT)
    if args.ca:
        domain.set_trusted_ca_db(args.ca)
        mode = SSLDomain.VERIFY_PEER_NAME if args.verify == "peer-name" else SSLDomain.VERIFY_PEER
        domain.set_peer_authentication(mode, args.ca)
    if args.cert:
        domain.set_credentials(args.cert, args.key, args.key_password)
    return domain


def connect(container, args, handler=None):
    kwargs = {"reconnect": False}
    domain = ssl_domain(args)
    if domain is not None:
        kwargs["ssl_domain"] = domain
    if args.sni:
        kwargs["sni"] = args.sni
    if args.user:
        kwargs["user"] = args.user
        kwargs["password"] = args.password
        kwargs["allow_insecure_mechs"] = True
    if handler is not None:
        kwargs["handler"] = handler
    return container.connect(args.url, **kwargs)


def jsonable(value):
    """Proton values (symbols, ulongs, UUIDs, binary) as JSON-friendly values."""
    if isinstance(value, Described):
        return {"descriptor": jsonable(value.descriptor), "value": jsonable(value.value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None or isinstance(value, (bool, int, float, str)):
        if type(value) not in (bool, int, float, str, type(None)):
            # proton's ulong, symbol, ... subclass int / str
            return int(value) if isinstance(value, int) else str(value)
        return value
    return str(value)


def type_names(mapping):
    """The Python type name of each value in a map (how Proton decoded it)."""
    return {str(k): type(v).__name__ for k, v in (mapping or {}).items()}


class Base(MessagingHandler):
    """Records transport, connection and link errors; `failed` says whether any came."""

    def __init__(self, **kwargs):
        super(Base, self).__init__(**kwargs)
        self.errors = []
        self.started = time.time()

    def fields(self):
        return {}

    def result(self):
        out = self.fields()
        out["errors"] = list(self.errors)
        out["elapsed_ms"] = int((time.time() - self.started) * 1000)
        return out

    def _record(self, what, condition):
        if condition is None:
            self.errors.append(what)
        else:
            self.errors.append("%s: %s: %s" % (what, condition.name, condition.description))

    def on_transport_error(self, event):
        self._record("transport", event.transport.condition)
        event.connection.close()

    def on_connection_error(self, event):
        self._record("connection", event.connection.remote_condition)
        event.connection.close()

    def on_session_error(self, event):
        self._record("session", event.session.remote_condition)
        event.connection.close()

    def on_link_error(self, event):
        self._record("link", event.link.remote_condition)
        event.connection.close()


def run(container, handler, succeeded):
    """Run the container, print the result, exit 0 if `succeeded(result)` and no error came."""
    try:
        container.run()
    except KeyboardInterrupt:
        pass
    except Exception as error:  # a bug in a handler: still one JSON line, and a failure
        handler.errors.append("exception: %s: %s" % (type(error).__name__, error))
    result = handler.result()
    ok = not result["errors"] and succeeded(result)
    result["ok"] = ok
    emit(result)
    sys.exit(0 if ok else EXIT_FAILED)

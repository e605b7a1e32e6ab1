"""The one API host the metering proxy forwards to, and its pool of kept-alive connections.

A CLI talking to the API directly keeps its connections open; the proxy does the same on the CLI's behalf,
so a request through it costs no extra TCP or TLS handshake. A pooled connection is used again only when its
last response was read to the end, the server did not ask to close it, it has been idle less than
MAX_IDLE_S, and nothing is waiting to be read on it (a server that closed it leaves its socket readable).
"""

from __future__ import annotations

import base64
import http.client
import os
import select
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from symphony_bot.agents.metering.head import QuickResponse

MAX_IDLE_CONNECTIONS = 8
MAX_IDLE_S = 15.0  # servers close idle connections too (often after 60 s or more); we let go first
# A CA bundle a runner behind an intercepting proxy adds for Node programs (the CLIs): trusted here too.
EXTRA_CA_ENV = "NODE_EXTRA_CA_CERTS"


@dataclass(frozen=True)
class OutboundProxy:
    """The runner's own HTTP proxy (HTTPS_PROXY / HTTP_PROXY, minus NO_PROXY), reached with a CONNECT tunnel."""

    host: str
    port: int
    authorization: str | None = None

    @classmethod
    def for_upstream(cls, scheme: str, host: str, environ: Mapping[str, str] | None = None) -> OutboundProxy | None:
        source = os.environ if environ is None else environ
        proxies = {
            name[: -len("_proxy")].lower(): value
            for name, value in source.items()
            if name.lower().endswith("_proxy") and value
        }
        url = proxies.get(scheme)
        if not url or _bypassed(host, proxies.get("no", "")):
            return None
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if not parts.hostname:
            return None
        authorization = None
        if parts.username:
            credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            authorization = "Basic " + base64.b64encode(credentials).decode()
        return cls(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), authorization)


class ProxyConfigError(ValueError):
    """The proxy cannot be started as configured (an upstream URL it would not be safe to forward to)."""


@dataclass
class Upstream:
    scheme: str
    host: str
    port: int
    base_path: str
    timeout_s: float
    via: OutboundProxy | None = None
    _idle: list[tuple[float, http.client.HTTPConnection]] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def parse(cls, url: str, timeout_s: float) -> Upstream:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProxyConfigError(f"upstream {url!r} must be an http(s) URL with a host")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ProxyConfigError(f"upstream {url!r} must not carry credentials, a query or a fragment")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as error:
            raise ProxyConfigError(f"upstream {url!r}: {error}") from None
        via = OutboundProxy.for_upstream(parts.scheme, parts.hostname)
        return cls(parts.scheme, parts.hostname, port, parts.path.rstrip("/"), timeout_s, via)

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"

    def acquire(self) -> http.client.HTTPConnection:
        """A kept-alive connection that is still good, or a new one (connected on first use)."""
        now = time.monotonic()
        while True:
            with self._lock:
                if not self._idle:
                    break
                since, connection = self._idle.pop()
            if now - since < MAX_IDLE_S and _still_open(connection):
                return connection
            connection.close()
        host, port = (self.via.host, self.via.port) if self.via else (self.host, self.port)
        fresh: http.client.HTTPConnection
        if self.scheme == "https":
            fresh = http.client.HTTPSConnection(host, port, timeout=self.timeout_s, context=_tls_context())
        else:
            fresh = http.client.HTTPConnection(host, port, timeout=self.timeout_s)
        fresh.response_class = QuickResponse  # its head read without the email package (`head`)
        if self.via is not None:
            headers = {"Proxy-Authorization": self.via.authorization} if self.via.authorization else None
            fresh.set_tunnel(self.host, self.port, headers=headers)
        return fresh

    def release(self, connection: http.client.HTTPConnection, response: http.client.HTTPResponse | None) -> None:
        """Keep `connection` for the next request if its response was read to the end and may be followed."""
        if response is not None and not response.isclosed() and response.length == 0:
            # Python 3.11's read1 never marks a sized body finished once it is read to its end.
            response.close()  # the file over the socket, not the socket
        reusable = response is not None and response.isclosed() and not response.will_close
        if reusable:
            with self._lock:
                if len(self._idle) < MAX_IDLE_CONNECTIONS:
                    self._idle.append((time.monotonic(), connection))
                    return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for _, connection in idle:
            connection.close()


def _bypassed(host: str, no_proxy: str) -> bool:
    """NO_PROXY as curl reads it: `*`, or names (a leading dot optional) matching the host or a parent domain."""
    host = host.lower().rstrip(".")
    for item in no_proxy.split(","):
        raw = item.strip().lower()
        entry = raw.split(":", 1)[0].strip(".") if raw.count(":") == 1 else raw.strip(".")  # host:port -> host
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return True
    return False


def _tls_context() -> ssl.SSLContext:
    """The system's trust store (SSL_CERT_FILE and SSL_CERT_DIR honoured), plus NODE_EXTRA_CA_CERTS if set."""
    context = ssl.create_default_context()
    extra = os.environ.get(EXTRA_CA_ENV)
    if extra and os.path.isfile(extra):
        context.load_verify_locations(cafile=extra)
    return context


def _still_open(connection: http.client.HTTPConnection) -> bool:
    sock = connection.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable

"""uvicorn's HTTP protocol with Nagle's algorithm off on every connection.

Why: with ``--workers N`` uvicorn binds the listening socket itself without naming the
TCP protocol, so asyncio does not set ``TCP_NODELAY`` on the accepted connections. A
response goes out as two writes (headers, then body); the body then waits for the
client's delayed ACK, and every response took 40 ms or more on Linux (measured with
bench/http.py: 22 requests per second on one keep-alive connection instead of about
4,000). One worker was not affected, because uvicorn lets asyncio create that socket.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


# What ``uvicorn.run(http=...)`` is given: an import string survives the workers' spawn.
HTTP_PROTOCOL = "core.server_protocol:NoDelayHTTPProtocol"

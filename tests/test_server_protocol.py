"""``talent serve``'s HTTP protocol turns Nagle's algorithm off (core/server_protocol.py).

With several workers uvicorn listens on a socket it made without naming the TCP protocol,
as below, and asyncio then leaves ``TCP_NODELAY`` off on accepted connections: responses
waited 40 ms for the client's delayed ACK (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.server import ServerState

from core.server_protocol import HTTP_PROTOCOL, NoDelayHTTPProtocol


async def _accepted_nodelay(protocol_class: type[Any]) -> int:
    """TCP_NODELAY of a connection accepted the way uvicorn's workers accept them."""
    config = Config(app=lambda scope, receive, send: None, http=protocol_class)
    config.load()
    state = ServerState()
    made: list[Any] = []

    def factory() -> Any:
        made.append(protocol_class(config=config, server_state=state, app_state={}))
        return made[-1]

    listening = socket.socket(family=socket.AF_INET)  # as uvicorn's Config.bind_socket
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.bind(("127.0.0.1", 0))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, sock=listening)
    try:
        _, writer = await asyncio.open_connection(*listening.getsockname())
        for _ in range(100):
            if made and made[0].transport is not None:
                break
            await asyncio.sleep(0.01)
        accepted = made[0].transport.get_extra_info("socket")
        value = int(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()
        await writer.wait_closed()
        return value
    finally:
        for protocol in made:
            if protocol.transport is not None:
                protocol.transport.close()
        await asyncio.sleep(0.05)  # the transports close on the next loop iterations
        server.close()
        await server.wait_closed()


async def test_connections_of_a_worker_socket_have_nagle_off() -> None:
    assert await _accepted_nodelay(AutoHTTPProtocol) == 0  # what uvicorn alone does
    assert await _accepted_nodelay(NoDelayHTTPProtocol) != 0


def test_serve_passes_the_protocol_by_import_path() -> None:
    config = Config(app=lambda scope, receive, send: None, http=HTTP_PROTOCOL)
    config.load()
    assert config.http_protocol_class is NoDelayHTTPProtocol

"""How ``talent serve`` serves: its HTTP protocol turns Nagle's algorithm off
(core/server_protocol.py), and its app settles the garbage collector (core/collector.py).

With several workers uvicorn listens on a socket it made without naming the TCP protocol,
as below, and asyncio then leaves ``TCP_NODELAY`` off on accepted connections: responses
waited 40 ms for the client's delayed ACK (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import gc
import socket
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.server import ServerState

from core.app import create_app
from core.clock import ManualClock
from core.collector import THRESHOLDS
from core.face import SimulatedFaceProvider
from core.server_protocol import HTTP_PROTOCOL, NoDelayHTTPProtocol
from core.settings import Settings
from tests.database import empty_tables


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


async def test_a_served_app_settles_the_garbage_collector_after_start_up(
    settings: Settings, clock: ManualClock, face_provider: SimulatedFaceProvider
) -> None:
    """``talent serve``'s app freezes what start-up made and collects less often
    (core/collector.py); an app built for the tests leaves the collector alone."""
    await empty_tables(settings.database_url)  # and the ORM's state of another database
    before = gc.get_threshold()
    plain = create_app(settings, clock=clock, face_provider=face_provider)
    async with plain.router.lifespan_context(plain):
        assert gc.get_threshold() == before
    served = create_app(settings, clock=clock, face_provider=face_provider, settle_gc=True)
    try:
        async with served.router.lifespan_context(served):
            assert gc.get_threshold() == THRESHOLDS
            assert gc.get_freeze_count() > 10_000  # the schema, plugins, models, ...
    finally:
        # Undone for the rest of the test run, which builds many apps in this process.
        gc.unfreeze()
        gc.set_threshold(*before)

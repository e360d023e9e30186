"""Servers the tests start as separate processes (``talent serve``, uvicorn)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(
    base_url: str, process: subprocess.Popen[bytes], *, seconds: float, log: Path | None = None
) -> None:
    """Poll ``/ready`` until it answers 200; fail if the process exits or time runs out."""
    deadline = time.monotonic() + seconds

    def output() -> str:
        return f":\n{log.read_text()}" if log is not None and log.exists() else ""

    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}{output()}")
        # Refused connections are expected while the server is starting.
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"the server was not ready within {seconds:.0f} s{output()}")

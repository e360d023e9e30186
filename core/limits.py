"""Request-body limits, enforced by counting the bytes as they stream in.

Neither Starlette nor strawberry caps a body: a multipart upload is spooled to disk
however large it is, and a JSON body is read whole into memory. ``Content-Length`` is
only a claim (a chunked request has none), so the middleware counts what ``receive``
delivers and stops the request at the first byte over its limit:
``max_request_bytes`` for JSON and everything else, ``max_upload_files`` files of
``max_upload_bytes`` plus ``max_request_bytes`` for the rest of a multipart body.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import metrics
from core.errors import ErrorCode
from core.settings import Settings


def refusal(code: ErrorCode, message: str, **extensions: Any) -> bytes:
    """A refused request's body, shaped like a GraphQL response with only ``errors``."""
    error = {"message": message, "extensions": {"code": code.value, **extensions}}
    return json.dumps({"errors": [error]}, ensure_ascii=False).encode()


async def send_refusal(
    send: Send,
    status: int,
    code: ErrorCode,
    message: str,
    *,
    media_type: str = "application/json",
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> None:
    body = refusal(code, message, **extensions)
    raw = [
        (b"content-type", f"{media_type}; charset=utf-8".encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    metrics.count_error(code.value, "http")
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised from ``receive`` past the limit; not a ``ValueError``, so no parser
    along the way mistakes it for a malformed body."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.json_limit = settings.max_request_bytes
        self.multipart_limit = (
            settings.max_upload_bytes * settings.max_upload_files + settings.max_request_bytes
        )

    def limit_for(self, scope: Scope) -> int:
        for name, value in scope["headers"]:
            if name == b"content-type" and value.lower().startswith(b"multipart/form-data"):
                return self.multipart_limit
        return self.json_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send, limit)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        await send_refusal(
            send,
            413,
            ErrorCode.REQUEST_TOO_LARGE,
            f"请求体过大（上限 {limit} 字节）",
            limitBytes=limit,
        )

"""The GraphQL endpoint as the GraphQL-over-HTTP specification wants it.

Strawberry's view serves ``application/json`` only, answers request errors with plain
text, turns a mutation sent by GET into a 400, and accepts multipart uploads without
asking for a CSRF-proof header. This view:

- negotiates the response media type: ``application/graphql-response+json`` when the
  client asks for it (request errors are then 4xx without ``data``), ``application/json``
  for legacy clients and when ``Accept`` is absent or ``*/*`` (always 200, as before);
  406 when the client accepts neither;
- answers every refusal with a JSON body ``{"errors": [{"message", "extensions":
  {"code"}}]}``, never plain text or a stack trace;
- executes queries sent by GET (``?query=...&variables=...``) and refuses mutations sent
  by GET with 405 and ``Allow: POST``;
- refuses batched (array) requests with ``BATCH_NOT_ALLOWED``;
- accepts a multipart upload only with a header a cross-site form cannot send
  (``Apollo-Require-Preflight`` or ``X-Apollo-Operation-Name``, non-empty: what
  apollo-upload-client and Apollo's CSRF prevention use), since strawberry itself only
  has the on/off switch ``multipart_uploads_enabled``.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from core.errors import ErrorCode
from core.limits import send_refusal
from core.services import Services
from schema.context import Context, build_context
from schema.limits import finish_errors
from schema.subscriptions import authenticate_connection

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name")


class RequestRefused(HTTPException):
    """A request refused before execution, with its code and extra headers."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(status, message)
        self.code = code
        self.headers = headers or {}
        self.extensions = extensions


_STATUS_CODES = {
    400: ErrorCode.BAD_REQUEST,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.REQUEST_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
}


def negotiate(accept: str | None) -> str | None:
    """The response media type for an ``Accept`` header; None when neither is acceptable.

    The most specific matching range gives each candidate its quality. On a tie the
    new media type wins only when the client named it: ``*/*`` gets ``application/json``.
    """
    if not accept or not accept.strip():
        return JSON
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.lower(), quality))

    def score(candidate: str) -> tuple[float, int, int]:
        best: tuple[int, float] = (-1, 0.0)
        kind = candidate.split("/")[0]
        for media, quality in ranges:
            if media == candidate:
                specificity = 2
            elif media == f"{kind}/*":
                specificity = 1
            elif media == "*/*":
                specificity = 0
            else:
                continue
            if specificity > best[0]:
                best = (specificity, quality)
        specificity, quality = best
        named = 1 if candidate == GRAPHQL_RESPONSE and specificity == 2 else 0
        return (quality if specificity >= 0 else 0.0, specificity, named)

    choice = max((JSON, GRAPHQL_RESPONSE), key=score)
    return choice if score(choice)[0] > 0 else None


def _is_request_error(result: ExecutionResult) -> bool:
    """Parse, validation and variable errors: nothing was executed, no error has a path."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
        self.max_upload_files = services.settings.max_upload_files
        self.field_suggestions = services.settings.field_suggestions_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        accept = request.headers.get("accept")
        media_type = negotiate(accept)
        wants_ide = self.should_render_graphql_ide(self.request_adapter_class(request))
        if media_type is None and not wants_ide:
            await send_refusal(
                send,
                406,
                ErrorCode.NOT_ACCEPTABLE,
                f"只能以 {GRAPHQL_RESPONSE} 或 {JSON} 应答",
            )
            return
        request.state.graphql_media_type = media_type or JSON
        try:
            response = await self.run(request)
        except HTTPException as error:
            await self._refuse(send, error, request.state.graphql_media_type)
            return
        await response(scope, receive, send)

    @staticmethod
    async def _refuse(send: Send, error: HTTPException, media_type: str) -> None:
        if isinstance(error, RequestRefused):
            code, headers, extensions = error.code, error.headers, error.extensions
        else:
            code = _STATUS_CODES.get(error.status_code, ErrorCode.BAD_REQUEST)
            headers, extensions = {}, {}
        await send_refusal(
            send,
            error.status_code,
            code,
            error.reason,
            media_type=media_type,
            headers=headers,
            **extensions,
        )

    async def get_context(self, request: Any, response: Any) -> Context:
        return await build_context(request, self.services)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        # Subscriptions sign in with the token in connection_init (schema/subscriptions.py).
        await authenticate_connection(context)
        return UNSET

    def encode_json(self, data: object) -> str:
        # Chinese text as UTF-8, not \uXXXX escapes: fewer bytes, readable logs.
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    async def get_sub_response(self, request: Any) -> Response:
        sub_response = await super().get_sub_response(request)
        # Read back in create_response, which is not given the request.
        sub_response.media_type = request.state.graphql_media_type
        return sub_response

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            finish_errors(
                result.errors,
                result.data is not None,
                field_suggestions=self.field_suggestions,
            )
        response = await super().process_result(request, result)
        if request.state.graphql_media_type == GRAPHQL_RESPONSE and _is_request_error(result):
            # The specification: a request error has no ``data`` entry at all.
            response.pop("data", None)
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media_type = sub_response.media_type or JSON
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = f"{media_type}; charset=utf-8"
        if (
            media_type == GRAPHQL_RESPONSE
            and isinstance(response_data, dict)
            and "data" not in response_data
            and not sub_response.status_code
        ):
            response.status_code = 400
        return response

    # Reading the request --------------------------------------------------------------

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        # The media type without parameters (a Content-Type has no other ``;``); strawberry's
        # parse_content_type builds an email message for this on every request.
        content_type = (request.content_type or "").partition(";")[0].strip().lower()
        if request.method == "GET":
            data: Any = self.parse_query_params(request.query_params)
        elif content_type == JSON or content_type.endswith("+json"):
            data = self.parse_json(await request.get_body())
        elif content_type == "multipart/form-data" and self.multipart_uploads_enabled:
            self._check_preflight(request)
            data = await self.parse_multipart(request)
        else:
            raise RequestRefused(
                415,
                ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                "请求体应为 application/json（上传文件时为 multipart/form-data）",
            )
        if isinstance(data, list):
            raise RequestRefused(
                400, ErrorCode.BATCH_NOT_ALLOWED, "不支持批量请求：每个请求只能包含一个操作"
            )
        if not isinstance(data, dict):
            raise RequestRefused(400, ErrorCode.BAD_REQUEST, "请求体应为 JSON 对象")
        return GraphQLRequestData(
            query=self._member(data, "query", str),
            variables=self._member(data, "variables", dict),
            operation_name=self._member(data, "operationName", str),
            extensions=self._member(data, "extensions", dict),
            protocol="http",
        )

    @staticmethod
    def _member(data: dict[str, Any], name: str, kind: type) -> Any:
        value = data.get(name)
        if value is not None and not isinstance(value, kind):
            expected = "字符串" if kind is str else "对象"
            raise RequestRefused(400, ErrorCode.BAD_REQUEST, f"参数 {name} 应为{expected}或 null")
        return value

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise RequestRefused(400, ErrorCode.BAD_REQUEST, "请求体不是有效的 JSON") from error

    @staticmethod
    def _check_preflight(request: AsyncHTTPRequestAdapter) -> None:
        if not any(request.headers.get(name, "").strip() for name in PREFLIGHT_HEADERS):
            raise RequestRefused(
                400,
                ErrorCode.CSRF_PREFLIGHT_REQUIRED,
                "上传文件的请求须带非空的 Apollo-Require-Preflight 请求头",
            )

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> Any:
        try:
            form = await request.get_form_data()
        except (ValueError, StarletteHTTPException) as error:
            raise self._malformed() from error
        try:
            files = [v for v in form.files.values() if isinstance(v, UploadFile)]
            if len(files) > self.max_upload_files:
                raise RequestRefused(
                    413,
                    ErrorCode.REQUEST_TOO_LARGE,
                    f"一次最多上传 {self.max_upload_files} 个文件",
                    limitFiles=self.max_upload_files,
                )
            operations = self.parse_json(str(form.form.get("operations", "")))
            files_map = self.parse_json(str(form.form.get("map", "{}")))
            if not isinstance(operations, dict | list) or not isinstance(files_map, dict):
                raise ValueError("operations must be an object, map an object")
            return replace_files(operations, files_map, form.files)
        except Exception as error:
            # Refused: the spooled files go now, not whenever they are collected.
            for upload in files:
                await upload.close()
            if isinstance(error, RequestRefused) and error.code is not ErrorCode.BAD_REQUEST:
                raise
            if isinstance(error, RequestRefused | ValueError | LookupError | TypeError):
                raise self._malformed() from error
            raise

    @staticmethod
    def _malformed() -> RequestRefused:
        return RequestRefused(
            400,
            ErrorCode.MALFORMED_MULTIPART,
            "上传请求格式有误（应符合 GraphQL multipart request 规范）",
        )

    # Executing ------------------------------------------------------------------------

    async def execute_single(
        self,
        request: Any,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            return await super().execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
        except HTTPException as error:
            refused = error.__cause__
            if not isinstance(refused, InvalidOperationTypeError):
                raise
            if refused.operation_type is OperationType.SUBSCRIPTION:
                raise RequestRefused(
                    400,
                    ErrorCode.BAD_REQUEST,
                    "订阅须通过 WebSocket（graphql-transport-ws 协议）连接 /graphql",
                ) from error
            if request_adapter.method == "GET":
                raise RequestRefused(
                    405,
                    ErrorCode.METHOD_NOT_ALLOWED,
                    "变更操作只能以 POST 发送",
                    headers={"Allow": "POST"},
                ) from error
            raise


def replace_files(operations: Any, files_map: dict[str, Any], files: Any) -> Any:
    """Put each uploaded file where ``map`` says; a batch (a list) is returned as is,
    to be refused as one."""
    if isinstance(operations, list):
        return operations
    from strawberry.file_uploads.utils import replace_placeholders_with_files

    for paths in files_map.values():
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise ValueError("map values must be lists of paths")
    return replace_placeholders_with_files(operations, files_map, files)

"""wsd.v1 over HTTP/JSON: one route per RPC, the bodies the proto3 JSON mapping of the same
messages, handed to the same ``WsdCalls`` as gRPC.

What the gRPC interceptors enforce happens here too, in the same order: the bearer token, then
the call with its deadline, errors as ``google.rpc.Status`` JSON, every call counted and timed
under ``transport="http"``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import LineTooLong
from google.protobuf import json_format
from google.protobuf.message import Message

from .._core import convert
from .._core.convert import POS_TO_PROTO
from .._core.errors import DeadlineExpiredError, InputError, WsdError
from .._proto.wsd.v1 import wsd_service_pb2 as pb
from .auth import TokenCheck
from .calls import WsdCalls
from .http_requests import (
    JSON_BODY_TYPES,
    JSON_TYPE,
    NDJSON_TYPE,
    check_content_type,
    parse_message,
    request_timeout,
)
from .http_status import HTTP_STATUS, error_body, error_headers
from .metrics import ServerMetrics

log = logging.getLogger("wsd_service.server")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Route:
    """One RPC's route; the OpenAPI document is generated from these and the proto."""

    method: str
    path: str
    rpc: str  # the wsd.v1.WsdService method it carries
    body: str  # "json", "ndjson", "query" (the path and query string) or "none"


RPC_ROUTES = (
    Route("POST", "/v1/disambiguate", "Disambiguate", "json"),
    Route("POST", "/v1/disambiguate:stream", "DisambiguateStream", "ndjson"),
    Route("POST", "/v1/embed", "Embed", "json"),
    Route("POST", "/v1/nearest-senses", "NearestSenses", "json"),
    Route("GET", "/v1/senses/{lemma}", "LookupSenses", "query"),
    Route("GET", "/v1/index", "GetIndexInfo", "none"),
)
# Generated from the proto and RPC_ROUTES by scripts/generate_openapi.py (a test keeps it fresh).
OPENAPI = Path(__file__).with_name("openapi.json")
# The page to try the service and the API page: static files, no build step, nothing from a CDN.
STATIC = Path(__file__).with_name("static")
_PAGES = {"/": "index.html", "/docs": "docs.html"}
_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self';"
    " img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
# Probes, the spec and the pages need no token: orchestrators and browsers carry none.
_OPEN_PATHS = frozenset({"/healthz", "/readyz", "/openapi.json", "/docs", "/"})
_OPEN_PREFIXES = ("/static/",)


class HttpApp:
    """The routes over ``calls``; ``ready`` says whether the index is loaded and not draining."""

    def __init__(
        self,
        calls: WsdCalls,
        metrics: ServerMetrics,
        ready: Callable[[], bool],
        tokens: frozenset[str],
        max_message_bytes: int,
    ) -> None:
        self._calls = calls
        self._metrics = metrics
        self._ready = ready
        self._tokens = TokenCheck(tokens) if tokens else None
        self._max_message_bytes = max_message_bytes

    def build(self) -> web.Application:
        app = web.Application(client_max_size=self._max_message_bytes, middlewares=[self._guard])
        handlers: dict[str, Handler] = {
            "Disambiguate": self._disambiguate,
            "DisambiguateStream": self._disambiguate_stream,
            "Embed": self._embed,
            "NearestSenses": self._nearest_senses,
            "LookupSenses": self._lookup_senses,
            "GetIndexInfo": self._index_info,
        }
        routes = [web.route(r.method, r.path, handlers[r.rpc], name=r.rpc) for r in RPC_ROUTES]
        routes += [
            web.get("/healthz", self._healthz, name="healthz"),
            web.get("/readyz", self._readyz, name="readyz"),
            web.get("/openapi.json", _openapi, name="openapi"),
            web.get("/", _page, name="page"),
            web.get("/docs", _page, name="docs"),
            web.get("/static/{name}", _static, name="static"),
        ]
        app.add_routes(routes)
        return app

    # -- what every call goes through ----------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        method = _method_name(request)
        code = "OK"
        try:
            self._authorise(request, method)
            response = await handler(request)
        except WsdError as error:
            code, response = error.code, _error_response(error)
            log.info("http %s: %s: %s", method, error.code, error)
        except web.HTTPException as error:  # aiohttp's own: no route, wrong method, body too big
            refused = self._refusal(error, request)
            code, response = refused.code, _error_response(refused, error.status)
            if "Allow" in error.headers:
                response.headers["Allow"] = error.headers["Allow"]
        except Exception:
            log.exception("http %s failed", method)
            code = "INTERNAL"
            response = _error_response(WsdError("internal error; the server log has the details", code=code))
        if request.path.startswith("/v1/"):
            self._metrics.record("http", method, code, time.perf_counter() - started)
        return response

    def _refusal(self, error: web.HTTPException, request: web.Request) -> WsdError:
        if isinstance(error, web.HTTPRequestEntityTooLarge):
            limit = self._max_message_bytes
            return WsdError(
                f"the request body is over the message limit of {limit} bytes", code="RESOURCE_EXHAUSTED"
            )
        if isinstance(error, web.HTTPNotFound):
            return WsdError(f"no route {request.method} {request.path}", code="NOT_FOUND")
        if isinstance(error, web.HTTPMethodNotAllowed):
            return WsdError(f"{request.path} does not take {request.method}", code="UNIMPLEMENTED")
        return WsdError(error.reason, code="INVALID_ARGUMENT")

    def _authorise(self, request: web.Request, method: str) -> None:
        if self._tokens is None or request.path in _OPEN_PATHS or request.path.startswith(_OPEN_PREFIXES):
            return
        if not self._tokens.allows(request.headers.get("Authorization")):
            log.info("http %s: UNAUTHENTICATED (missing or unknown token)", method)
            raise WsdError("a valid token is required (Authorization: Bearer)", code="UNAUTHENTICATED")

    # -- the RPCs --------------------------------------------------------------------------

    async def _disambiguate(self, request: web.Request) -> web.Response:
        timeout = request_timeout(request.headers)
        check_content_type(request.content_type, JSON_BODY_TYPES)
        body = await request.read()
        if timeout is not None:  # under overload most calls are refused: before decoding them
            self._calls.admit(body.count(b" ") + 1, timeout)
        message = parse_message(body, pb.DisambiguateRequest())
        return _json(await _within(timeout, self._calls.disambiguate(message, timeout)))

    async def _embed(self, request: web.Request) -> web.Response:
        message = await _body(request, pb.EmbedRequest())
        return _json(await _within(request_timeout(request.headers), self._calls.embed(message)))

    async def _nearest_senses(self, request: web.Request) -> web.Response:
        message = await _body(request, pb.NearestSensesRequest())
        timeout = request_timeout(request.headers)
        return _json(await _within(timeout, self._calls.nearest_senses(message, timeout)))

    async def _lookup_senses(self, request: web.Request) -> web.Response:
        fields = _query_fields(request.query) | {"lemma": request.match_info["lemma"]}
        try:
            message = json_format.ParseDict(fields, pb.LookupSensesRequest())
        except json_format.ParseError as error:
            raise InputError(f"the query string is not a valid LookupSensesRequest: {error}") from None
        return _json(await self._calls.lookup_senses(message))

    async def _index_info(self, request: web.Request) -> web.Response:
        return _json(await self._calls.index_info())

    async def _disambiguate_stream(self, request: web.Request) -> web.StreamResponse:
        check_content_type(request.content_type, frozenset({NDJSON_TYPE}))
        remaining = _countdown(request_timeout(request.headers))
        response = web.StreamResponse(headers={"Content-Type": NDJSON_TYPE})
        await response.prepare(request)
        lines = _lines(request, self._max_message_bytes)
        try:
            async for answer in self._calls.disambiguate_stream(lines, remaining):
                await response.write(_ndjson(answer))
        except WsdError as error:  # the whole stream's failure (UNAVAILABLE), after what was sent
            await response.write(_ndjson(convert.stream_response("", error, False)))
        except ConnectionError:
            log.info("http DisambiguateStream: the client went away")
            return response
        await response.write_eof()
        return response

    # -- probes ------------------------------------------------------------------------------

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def _readyz(self, request: web.Request) -> web.Response:
        if self._ready():
            return web.json_response({"status": "SERVING"})
        return web.json_response({"status": "NOT_SERVING"}, status=503, headers={"Retry-After": "1"})


# Read once: the files ship with the package and do not change while it runs.
_FILES = {path.name: path.read_text(encoding="utf-8") for path in STATIC.iterdir() if path.suffix in _TYPES}
_OPENAPI_TEXT = OPENAPI.read_text(encoding="utf-8")


async def _page(request: web.Request) -> web.Response:
    return _static_file(_PAGES[request.path])


async def _static(request: web.Request) -> web.Response:
    return _static_file(request.match_info["name"])


def _static_file(name: str) -> web.Response:
    text = _FILES.get(name)  # only the package's own files, by exact name
    if text is None:
        raise WsdError(f"no file {name!r} here", code="NOT_FOUND")
    return web.Response(text=text, content_type=_TYPES[Path(name).suffix], headers=_PAGE_HEADERS)


async def _openapi(request: web.Request) -> web.Response:
    return web.Response(text=_OPENAPI_TEXT, content_type=JSON_TYPE)


async def _body(request: web.Request, message: Message) -> Any:
    check_content_type(request.content_type, JSON_BODY_TYPES)
    return parse_message(await request.read(), message)


async def _within(timeout: float | None, call: Awaitable[Message]) -> Message:
    """The call, cut off at the caller's deadline like gRPC cuts off its calls."""
    if timeout is None:
        return await call
    try:
        return await asyncio.wait_for(call, timeout)
    except TimeoutError:
        raise DeadlineExpiredError(
            f"the deadline of {timeout:g} s passed before the answer was ready"
        ) from None


def _countdown(timeout: float | None) -> Callable[[], float | None]:
    """What is left of a deadline set now, as gRPC's ``time_remaining`` tells it."""
    if timeout is None:
        return lambda: None
    deadline = time.monotonic() + timeout
    return lambda: max(0.0, deadline - time.monotonic())


async def _lines(request: web.Request, limit: int) -> AsyncIterator[pb.DisambiguateStreamRequest | WsdError]:
    number = 0
    while True:
        try:
            line = await request.content.readline(max_line_length=limit)
        except (ValueError, LineTooLong):  # the rest of the stream cannot be read line by line
            yield InputError(f"line {number + 1} is over the message limit of {limit} bytes")
            return
        if not line:
            return
        number += 1
        if line.strip():
            try:
                yield parse_message(line, pb.DisambiguateStreamRequest(), f"line {number}")
            except InputError as error:
                yield error


def _query_fields(query: Mapping[str, str]) -> dict[str, Any]:
    """Query parameters as JSON fields: ``true``/``false`` as booleans, ``pos=NOUN`` as the enum."""
    fields: dict[str, Any] = {}
    for name, value in query.items():
        if value in ("true", "false"):
            fields[name] = value == "true"
        elif name == "pos" and value.upper() in POS_TO_PROTO:
            fields[name] = POS_TO_PROTO[value.upper()]
        else:
            fields[name] = value
    return fields


def _json(message: Message) -> web.Response:
    return web.Response(text=json_format.MessageToJson(message, indent=None), content_type=JSON_TYPE)


def _ndjson(message: Message) -> bytes:
    text: str = json_format.MessageToJson(message, indent=None)
    return text.encode() + b"\n"


def _error_response(error: WsdError, status: int | None = None) -> web.Response:
    """``status``: aiohttp's own where it is more precise than the code's (413, 405)."""
    headers = error_headers(error)
    if error.code == "UNAUTHENTICATED":
        headers["WWW-Authenticate"] = "Bearer"
    return web.Response(
        text=error_body(error),
        status=status or HTTP_STATUS.get(error.code, 500),
        content_type=JSON_TYPE,
        headers=headers,
    )


def _method_name(request: web.Request) -> str:
    route = request.match_info.route
    return route.name or "unknown"

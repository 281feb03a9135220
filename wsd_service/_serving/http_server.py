"""The HTTP/JSON listener of one worker: bound with SO_REUSEPORT like the gRPC port, so the
workers share it, and closed with the gRPC server (in-flight requests finish first)."""

from __future__ import annotations

from aiohttp import web

from .._core.credentials import TlsConfig
from .auth import server_ssl_context

# A request line or header over this is refused by aiohttp's parser itself; below it, a long
# lemma in GET /v1/senses/{lemma} reaches the engine's own limits and their messages.
_MAX_LINE = 64 * 1024


class HttpServer:
    def __init__(self, app: web.Application, grace_seconds: float) -> None:
        # access_log off: the structured log lines are the app's own, tokens never in them
        self._runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=grace_seconds,
            max_line_size=_MAX_LINE,
            max_field_size=_MAX_LINE,
        )

    async def start(self, host: str, port: int, tls: TlsConfig | None) -> int:
        await self._runner.setup()
        context = server_ssl_context(tls) if tls is not None else None
        site = web.TCPSite(self._runner, host, port, reuse_port=True, ssl_context=context)
        await site.start()
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop accepting, let requests in flight finish (up to the grace it was made with), then
        close."""
        await self._runner.cleanup()

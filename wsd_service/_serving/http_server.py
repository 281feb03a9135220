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
    def __init__(self, app: web.Application) -> None:
        # access_log off: the structured log lines are the app's own, tokens never in them
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, max_line_size=_MAX_LINE, max_field_size=_MAX_LINE
        )

    async def start(self, host: str, port: int, tls: TlsConfig | None) -> int:
        await self._runner.setup()
        context = server_ssl_context(tls) if tls is not None else None
        site = web.TCPSite(self._runner, host, port, reuse_port=True, ssl_context=context)
        await site.start()
        return int(self._runner.addresses[0][1])

    async def stop(self, grace: float) -> None:
        """Stop accepting, give requests in flight up to ``grace`` seconds to finish, then close
        (the runner's own cleanup would wait its fixed shutdown timeout instead)."""
        for site in list(self._runner.sites):
            await site.stop()
        server = self._runner.server
        if server is not None:
            server.pre_shutdown()
            await server.shutdown(grace)
        await self._runner.cleanup()

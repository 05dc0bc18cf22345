"""Serve a built site over HTTP on this machine (127.0.0.1 only)."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

from generator.errors import HeadAtlasError


def make_server(site: Path, port: int = 8000, host: str = "127.0.0.1"
                ) -> http.server.ThreadingHTTPServer:
    """An HTTP server for ``site`` (port 0 picks a free port); call serve_forever() on it."""
    if not (site / "index.html").is_file():
        raise HeadAtlasError("no built site here: run 'headatlas build' or 'headatlas render'",
                             path=site)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    handler = functools.partial(Quiet, directory=str(site))
    try:
        return http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise HeadAtlasError(f"cannot listen on {host}:{port}: {exc.strerror}",
                             path="--port") from None

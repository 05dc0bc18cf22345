"""``headatlas serve``'s server: the built site over HTTP on 127.0.0.1 only."""

from __future__ import annotations

import threading
import urllib.request
from pathlib import Path

import pytest

from generator.errors import HeadAtlasError
from generator.render.serve import make_server


def test_serves_the_site_on_localhost(tmp_path: Path) -> None:
    (tmp_path / "heads").mkdir()
    (tmp_path / "index.html").write_text("<p>home</p>", encoding="utf-8")
    (tmp_path / "heads" / "L0-H0.html").write_text("<p>head</p>", encoding="utf-8")
    server = make_server(tmp_path, port=0)
    host, port = server.server_address[:2]
    assert host == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/heads/L0-H0.html") as reply:
            assert reply.read() == b"<p>head</p>"
    finally:
        server.shutdown()
        server.server_close()


def test_no_site_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(HeadAtlasError, match="no built site"):
        make_server(tmp_path / "site", port=0)

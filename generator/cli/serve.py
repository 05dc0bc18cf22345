"""``headatlas serve``: serve the built site on http://127.0.0.1:PORT/ until interrupted."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from generator.progress import console


def serve(
    out: Annotated[Path, typer.Option(help="Output folder of a build (holds site/) [.].")]
    = Path("."),
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 [8000].")] = 8000,
) -> None:
    """Serve OUT/site over HTTP on this machine (Ctrl-C stops it)."""
    from generator.render.serve import make_server

    server = make_server(out / "site", port=port)
    console.print(f"serving {out / 'site'} on http://127.0.0.1:{server.server_address[1]}/ "
                  "(Ctrl-C to stop)")
    try:
        server.serve_forever()
    finally:
        server.server_close()

"""``leadsim serve``: the trainers' page on this machine (see :mod:`leadsim.app.server`)."""

from __future__ import annotations

from typing import Annotated

import typer
from leadsim.app.server import DEFAULT_HOST, DEFAULT_PORT, ServeError, serve
from leadsim.cli.core import app, fail


@app.command(
    "serve",
    epilog="Examples:  leadsim serve   |   leadsim serve --port 9000   |   leadsim serve --host 0.0.0.0 --public",
)
def serve_command(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; only this machine can reach 127.0.0.1.")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = DEFAULT_PORT,
    public: Annotated[
        bool,
        typer.Option("--public", help="Allow an address other machines can reach (e.g. 0.0.0.0)."),
    ] = False,
) -> None:
    """Serve the trainers' page: run one school or two side by side, live, in the browser.

    Open the printed address in a browser. Every browser tab gets its own schools.
    """

    try:
        serve(host, port, public=public)
    except ServeError as e:
        raise fail(str(e)) from None
    except KeyboardInterrupt:
        pass

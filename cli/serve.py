"""``leadsim serve``: the trainers' page on this machine (see :mod:`leadsim.app.server`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from leadsim.app.server import DEFAULT_HOST, DEFAULT_PORT, ServeError, assets_dir, prepare_frontend, serve
from leadsim.cli.core import app, fail


@app.command(
    "serve",
    epilog="Examples:  leadsim serve   |   leadsim serve --port 9000   |   leadsim serve --host 0.0.0.0 --public"
    "   |   leadsim serve --prepare",
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
    prepare: Annotated[
        bool,
        typer.Option(
            "--prepare",
            help="Only fetch the page's front-end files (npm registry, once; scripts/setup.sh does this) and exit.",
        ),
    ] = False,
) -> None:
    """Serve the trainers' page: run one school or two side by side, live, in the browser.

    Open the printed address in a browser. Every browser tab gets its own schools. The page needs
    no network: its front-end files are fetched beforehand by scripts/setup.sh.
    """
    if prepare:
        missing = prepare_frontend(log=lambda m: print(m, file=sys.stderr, flush=True))
        if missing:
            raise fail(f"could not fetch the page's front-end files into {assets_dir()}: {'; '.join(missing)}")
        print(f"leadsim: the page's front-end files are ready in {assets_dir()}")
        return
    try:
        serve(host, port, public=public)
    except ServeError as e:
        raise fail(str(e)) from None
    except KeyboardInterrupt:
        pass

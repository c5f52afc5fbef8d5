"""``eots dashboard``: serve the live dashboard over a snapshot store (loopback by default)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from eots.cli.store_cmds import DEFAULT_STORE, StoreOpt


def dashboard_cmd(
    store: StoreOpt = DEFAULT_STORE,
    host: Annotated[
        str, typer.Option("--host", help="Bind address; not loopback needs EOTS_DASHBOARD_TOKEN.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.", min=0, max=65535)] = 8050,
    run: Annotated[
        Path | None,
        typer.Option("--run", help="Replay run folder: signals, ideas and the track record."),
    ] = None,
    underlying: Annotated[
        str | None, typer.Option("--underlying", help="Underlying shown first.")
    ] = None,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between store polls.")] = 5.0,
    stale_after: Annotated[
        float, typer.Option("--stale-after", help="Seconds after which data is called stale.")
    ] = 600.0,
    require_token: Annotated[
        bool,
        typer.Option("--require-token", help="Require EOTS_DASHBOARD_TOKEN even on loopback."),
    ] = False,
) -> None:
    """Serve the dashboard: latest analysis, levels, flows, vol, decay and the track record."""
    from eots.core.errors import EotsError
    from eots.dashboard import (
        TOKEN_ENV,
        DashboardParams,
        create_app,
        serve,
        startup_message,
        token_required,
    )

    token = os.environ.get(TOKEN_ENV) or None
    try:
        needed = token_required(host, token, force=require_token)
        params = DashboardParams(
            store=store,
            run_dir=run,
            underlying=underlying.upper() if underlying else None,
            poll_s=poll,
            stale_after_s=stale_after,
            require_token=needed,
        )
        app = create_app(params, token=token if needed else None)
        server = serve(app, host, port)
    except (EotsError, OSError, ValueError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=2) from e
    typer.echo(startup_message(host, server.port, token_needed=needed))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        server.server_close()

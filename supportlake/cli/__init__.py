"""The `supportlake` command line. One module per command group, each registering its
commands through `register(app)`; each command ends with a short summary of what it did.
Modules import ml/ and the Prefect flows only inside the commands that need them, so
`supportlake --help` starts in well under a second."""

from __future__ import annotations

import typer

from supportlake.cli import (
    analytics,
    export,
    generate,
    lake,
    ml,
    pipeline,
    recommend,
    serve,
    topics,
)
from supportlake.settings import apply_offline_environment, get_settings

app = typer.Typer(
    help="supportlake: land support data in DuckDB, build dbt marts, train and serve models.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _setup() -> None:
    apply_offline_environment(get_settings())


for group in (pipeline, generate, export, ml, topics, recommend, serve, analytics, lake):
    group.register(app)

"""The `supportlake` command line. One module per command group, each registering its
commands through `register(app)`; each command ends with a short summary of what it did.
Modules import ml/ and the Prefect flows only inside the commands that need them, so
`supportlake --help` starts in well under a second."""

from __future__ import annotations

import contextlib
import os

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


# Commands that read or write data in bulk; the others answer a person (status, similar,
# recommend, predict) or serve requests (serve, deploy).
BATCH_COMMANDS = frozenset(
    {"ingest", "build", "demo", "train", "score", "embed", "cluster", "topics", "generate"}
    | {"export", "analytics"}
)


@app.callback()
def _setup(context: typer.Context) -> None:
    settings = get_settings()
    apply_offline_environment(settings)
    if context.invoked_subcommand in BATCH_COMMANDS:
        yield_cpu_to_requests(settings.batch_niceness)


def yield_cpu_to_requests(niceness: int) -> None:
    """Run at CPU priority `niceness` at least (nice values: higher yields more), set before
    any work thread starts (DuckDB's and dbt's inherit it): the API beside it keeps its
    latency, and an idle machine gives the batch command every core as before. A target, not
    a step: a process already that nice, or one that runs several commands, is left as is."""
    if niceness > 0:
        with contextlib.suppress(OSError):  # not allowed here: run at the usual priority
            if os.getpriority(os.PRIO_PROCESS, 0) < niceness:
                os.setpriority(os.PRIO_PROCESS, 0, niceness)


for group in (pipeline, generate, export, ml, topics, recommend, serve, analytics, lake):
    group.register(app)

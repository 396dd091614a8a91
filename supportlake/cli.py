"""The `supportlake` command line. Each command ends with a short summary of what it did."""

from __future__ import annotations

import typer

from supportlake.console import console
from supportlake.settings import apply_offline_environment, get_settings

app = typer.Typer(
    help="supportlake: land support data in DuckDB, build dbt marts, train and serve models.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _setup() -> None:
    apply_offline_environment(get_settings())


@app.command()
def build(
    select: str = typer.Option(None, "--select", "-s", help="dbt node selection (default: all)"),
) -> None:
    """Run `dbt build` (seeds, models, unit tests, data tests) on the warehouse."""
    from supportlake.transform import run_dbt

    settings = get_settings()
    args = ["build"] + (["--select", select] if select else [])
    result = run_dbt(args, settings)
    console.print(f"[green]{result.summary()}[/] -> warehouse {settings.warehouse}")


# --- commands defined in their own modules register here -----------------------------------

"""`supportlake embed | cluster | topics [rollback] | similar`: ticket topics from sentence
embeddings.
ml/ and the flows are imported when a command runs: torch and Prefect cost seconds of `--help`.
"""

from __future__ import annotations

from typing import Any

import duckdb
import typer
from rich.table import Table

from supportlake.cli.common import BACKEND_HELP, checked_backend, fail
from supportlake.console import console, progress_bar
from supportlake.settings import get_settings
from supportlake.warehouse import open_warehouse


def embed(
    backend: str = typer.Option("auto", help=BACKEND_HELP),
    partition_texts: int = typer.Option(20_000, help="distinct texts per partition"),
    batch_size: int | None = typer.Option(
        None, help="texts per model call [default: the backend's fastest here]"
    ),
    cluster: str = typer.Option(
        None, help="encode partitions on the Dask scheduler at tcp://host:8786 (docs/scale-out.md)"
    ),
    workers: int = typer.Option(
        0, min=0, help="encode partitions on a local Dask cluster of N processes (0: in-process)"
    ),
) -> None:
    """Embed every ticket text not embedded before (ml.ticket_embeddings)."""
    from ml.embeddings import embed_tickets

    backend = checked_backend(backend)
    settings = get_settings()
    if cluster or workers:
        _embed_on_dask(settings, cluster, workers, backend, partition_texts, batch_size)
        return
    try:
        with open_warehouse(settings) as connection, progress_bar() as progress:
            summary = embed_tickets(
                connection,
                backend=backend,
                models_dir=settings.models_dir,
                partition_texts=partition_texts,
                batch_size=batch_size,
                progress=progress,
            )
    except LookupError as error:
        console.print(f"[red]nothing to embed:[/] {error}")
        raise typer.Exit(1) from None
    console.print(
        f"[green]embedded[/] {summary.line()} -> {settings.warehouse} ml.ticket_embeddings"
    )


def _embed_on_dask(settings, address, workers, backend, partition_texts, batch_size) -> None:
    from flows.distributed import embed_on_dask

    try:
        summary = embed_on_dask(
            settings,
            workers=workers or 2,
            address=address,
            backend=backend,
            partition_texts=partition_texts,
            batch_size=batch_size,
        )
    except LookupError as error:
        console.print(f"[red]nothing to embed:[/] {error}")
        raise typer.Exit(1) from None
    where = address or f"a local Dask cluster of {workers or 2} processes"
    console.print(f"[green]embedded on {where}[/] {summary.line()} -> ml.ticket_embeddings")


def cluster(
    clusters: int = typer.Option(20, "--clusters", "-n", min=1, help="number of topic clusters"),
    backend: str = typer.Option(
        "auto", help="whose embeddings to cluster: static or the full model"
    ),
    refit: bool = typer.Option(True, "--refit/--reuse", help="refit, or reuse the saved model"),
    seed: int = typer.Option(0, help="random seed"),
) -> None:
    """Cluster the embeddings (MiniBatchKMeans partial_fit), assign tickets, describe clusters."""
    from ml.embedding_backends import embedding_model_for
    from ml.topics import DATABASE_MEMORY, cluster_tickets

    backend = checked_backend(backend)
    settings = get_settings()
    if not settings.warehouse.exists():
        console.print(
            f"[bold red]error:[/] no warehouse at {settings.warehouse}: run "
            "`supportlake ingest`, `supportlake build` and `supportlake embed` first"
        )
        raise typer.Exit(1)
    clustering = settings.model_copy(update={"duckdb_memory_limit": DATABASE_MEMORY})
    try:
        with open_warehouse(clustering) as connection:
            result = cluster_tickets(
                connection,
                embedding_model=embedding_model_for(backend),
                models_dir=settings.models_dir,
                reports_dir=settings.reports,
                n_clusters=clusters,
                refit=refit,
                seed=seed,
            )
    except duckdb.CatalogException:
        console.print("[bold red]error:[/] no ticket embeddings yet: run `supportlake embed` first")
        raise typer.Exit(1) from None
    except ValueError as error:  # e.g. no embeddings, or fewer tickets than clusters
        console.print(f"[bold red]error:[/] cannot cluster: {error}")
        raise typer.Exit(1) from None
    # The category mix is dbt's (marts.topic_cluster_mixes): `supportlake topics` builds it.
    for description in result.clusters:
        console.print(
            f"  {description.cluster_id:>3} {description.tickets:>8} tickets  "
            f"{description.label}  [dim]({', '.join(description.top_terms[3:6])})[/]"
        )
    console.print(f"[green]clustered[/] {result.line()}")
    console.print(f"  report: {result.files['json']}  plot: {result.files['png']}")


topics_app = typer.Typer(no_args_is_help=False)


@topics_app.callback(invoke_without_command=True)
def topics(
    context: typer.Context,
    backend: str = typer.Option("auto", help=BACKEND_HELP),
    clusters: int = typer.Option(20, "--clusters", "-n", min=1, help="number of topic clusters"),
    refit: bool = typer.Option(True, "--refit/--reuse", help="refit, or reuse the saved model"),
) -> None:
    """The topics flow: embed -> cluster -> dbt build of the topic and anomaly marts
    (`supportlake topics rollback`: bring back the previous topic model)."""
    if context.invoked_subcommand is not None:
        return
    from flows.runner import run_flow
    from flows.topics import refresh_topics

    backend = checked_backend(backend)
    options: dict[str, Any] = {"backend": backend, "n_clusters": clusters, "refit": refit}
    result = run_flow("topics", lambda: refresh_topics, say=console.print, **options)
    for step, outcome in result.steps.items():
        console.print(f"  [bold]{step}[/]: {outcome}")
    console.print(f"[green]topics done[/] report: {result.clustering.files['json']}")


def similar(
    text: str = typer.Argument(..., help="a ticket text to find neighbours for"),
    k: int = typer.Option(5, "-k", help="how many similar resolved tickets"),
    backend: str = typer.Option("auto", help=BACKEND_HELP),
) -> None:
    """The k most similar resolved tickets, with category, resolution and similarity."""
    from ml.similar import encode_query, search_similar

    backend = checked_backend(backend)
    settings = get_settings()
    try:
        vector, embedding_model = encode_query(text, backend, settings.models_dir)
        # read-only, for the query alone: a running pipeline waits at most that long
        with open_warehouse(settings, read_only=True) as connection:
            neighbours = search_similar(connection, vector, embedding_model, k)
    except (ValueError, FileNotFoundError) as error:
        console.print(f"[red]cannot search:[/] {error}")
        raise typer.Exit(1) from None
    except duckdb.CatalogException:
        console.print("[red]no ticket embeddings yet:[/] run `supportlake topics` first")
        raise typer.Exit(1) from None
    table = Table("similarity", "ticket", "category", "product line", "resolution", "subject")
    for ticket in neighbours:
        hours = f"{ticket.resolution_minutes / 60:.1f} h" if ticket.resolution_minutes else "-"
        table.add_row(
            f"{ticket.similarity:.3f}",
            ticket.ticket_id,
            ticket.category or "-",
            ticket.product_line or "-",
            f"{ticket.status} in {hours}",
            (ticket.subject or "")[:60],
        )
    console.print(table)
    console.print(f"[green]{len(neighbours)} similar resolved tickets[/] for {text!r}")


@topics_app.command("rollback")
def rollback(
    to: str = typer.Option(
        None, "--to", help="version to make current (default: the one before the current)"
    ),
    model: str = typer.Option(
        None,
        "--model",
        help="embedding model whose topic model to move back (default: the only one there is)",
    ),
) -> None:
    """Move the topic model's `current` back to the previous (or a named) version."""
    from ml import registry

    models_dir = get_settings().models_dir
    if model:
        task = f"kmeans-{model}"
    else:
        root = models_dir / registry.TOPICS
        tasks = sorted(
            folder.name
            for folder in (root.iterdir() if root.is_dir() else [])
            if registry.current_version(models_dir, folder.name, kind=registry.TOPICS)
        )
        if not tasks:
            fail(f"no topic model under {models_dir / registry.TOPICS}: run `supportlake topics`")
        if len(tasks) > 1:
            names = ", ".join(task.removeprefix("kmeans-") for task in tasks)
            fail(f"topic models for several embedding models ({names}): choose one with --model")
        task = tasks[0]
    if to is not None and to not in registry.list_versions(models_dir, task, kind=registry.TOPICS):
        fail(f"{task} has no version {to!r}")
    try:
        before, after = registry.rollback(models_dir, task, to, kind=registry.TOPICS)
    except FileNotFoundError as error:
        fail(str(error), code=1)
    console.print(f"[green]{task}[/]: current {before} -> {after}", soft_wrap=True)
    console.print(
        "  run `supportlake topics --reuse` to assign the tickets with it (a refit would "
        "match new topics to this model's ids)",
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    for command in (embed, cluster, similar):
        app.command()(command)
    app.add_typer(topics_app, name="topics")

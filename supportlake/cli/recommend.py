"""`supportlake recommend "text"`: similar resolved tickets, a cited suggested reply and a
confidence, or a plain "no confident answer" (docs/agent_assist.md)."""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.table import Table

from supportlake.cli.common import BACKEND_HELP, checked_backend
from supportlake.console import console
from supportlake.serving import ServingCopyMissing
from supportlake.settings import get_settings


def recommend(
    text: str = typer.Argument(..., help="the new ticket's text (subject and/or message)"),
    k: int = typer.Option(5, "-k", min=1, help="how many similar resolved tickets to consider"),
    articles: int = typer.Option(
        3, "--articles", min=0, help="how many knowledge-base sections to consider (0: none)"
    ),
    min_confidence: float = typer.Option(
        0.5,
        "--min-confidence",
        min=0.0,
        max=1.0,
        help="cosine similarity evidence must reach; below it nothing is suggested",
    ),
    ticket: str | None = typer.Option(
        None, "--ticket", help="the ticket asked about: its topic is where a knowledge gap counts"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the answer as JSON"),
    backend: str = typer.Option("auto", help=BACKEND_HELP),
) -> None:
    """Recommend a resolution: the best knowledge-base sections and the most similar resolved
    tickets (hybrid BM25 + embedding search), how they were resolved, a suggested reply citing
    them, and a confidence. Every answer is logged for the next ingest (knowledge gaps)."""
    # imported when run: ml/ brings torch and scikit-learn (seconds of `--help`)
    from ml.resolved_index import NothingToSearch
    from supportlake.api.answer_log import answer_record, log_one_answer
    from supportlake.assist import recommend_resolution

    backend = checked_backend(backend)
    settings = get_settings()
    try:
        answer = recommend_resolution(
            text,
            settings,
            k=k,
            k_articles=articles,
            min_confidence=min_confidence,
            backend=backend,
        )
    except (ValueError, ServingCopyMissing, NothingToSearch) as error:
        console.print(f"[bold red]error:[/] {error}", soft_wrap=True)
        raise typer.Exit(1) from None
    # Before printing: the record must not depend on the terminal.
    logged = log_one_answer(
        settings.landing,
        answer_record(answer, channel="cli", store_text=settings.api_store_text, ticket_id=ticket),
    )
    if as_json:
        print(json.dumps(answer.to_dict(), default=str, indent=2))
        return
    if answer.articles:
        sections = Table("similarity", "section", "article", "heading", "link")
        for evidence in answer.articles:
            chunk = evidence.chunk
            sections.add_row(
                f"{evidence.similarity:.3f}",
                chunk.chunk_id,
                chunk.article_title or "-",
                chunk.heading or "-",
                chunk.url or "-",
            )
        console.print(sections)
    if answer.tickets:
        table = Table("similarity", "ticket", "found by", "how it was resolved", "subject")
        for found in answer.tickets:
            found_by = " + ".join(
                name
                for name, rank in (("bm25", found.bm25_rank), ("dense", found.dense_rank))
                if rank is not None
            )
            table.add_row(
                f"{found.similarity:.3f}",
                found.ticket.ticket_id,
                found_by,
                found.ticket.how_resolved(),
                (found.ticket.subject or "")[:50],
            )
        console.print(table)
    if answer.confident:
        console.print("[bold]suggested reply[/] (each sentence cites its evidence):")
        for sentence in answer.reply:
            # escape: rich would read a citation such as [kb-sync#2] as a style tag
            console.print(f"  {escape(sentence.render())}", soft_wrap=True)
        console.print(f"[green]{answer.verdict}[/]", soft_wrap=True)
    else:
        console.print(f"[yellow]{answer.verdict}[/]", soft_wrap=True)
    console.print(
        f"answer id {answer.answer_id} (give it with an agent's verdict: "
        f"POST /recommendation-feedback); logged in {logged} for the next ingest",
        soft_wrap=True,
    )
    if answer.missing_embeddings:
        console.print(
            f"[yellow]{answer.missing_embeddings} resolved ticket texts have no embedding yet "
            "and were not searched:[/] run `supportlake embed` and `supportlake build`",
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    app.command()(recommend)

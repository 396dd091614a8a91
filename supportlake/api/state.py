"""What the app holds between requests: settings, models, logs, metrics, limits, webhook."""

from __future__ import annotations

import asyncio
import csv
import logging
import time
from collections.abc import Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import FastAPI

from ml.inference import ModelUnavailable, TicketPredictor, current_versions, load_predictor
from supportlake.api.answer_log import answer_log
from supportlake.api.batching import PredictionBatcher
from supportlake.api.escalation import WebhookNotifier
from supportlake.api.index_preparation import IndexPreparation
from supportlake.api.landing_log import LandingLog, instance_name, recover_orphans
from supportlake.api.observability import ApiMetrics
from supportlake.api.rate_limit import ClientRateLimit
from supportlake.settings import PROJECT_ROOT, Settings
from supportlake.sources import ESCALATIONS, PREDICTION_LOG, RECOMMENDATION_FEEDBACK

logger = logging.getLogger("supportlake.api")

CORRECTIONS_SOURCE = "ticket_corrections"  # ingested, then marts.ticket_corrections_latest
HOUSEKEEPING_SECONDS = 5.0  # how often open logs are checked for the end of their hour
MODEL_POLL_SECONDS = 30.0  # how often the registry pointers are checked for a new model


@dataclass
class ApiState:
    """One app's state, at app.state.api; routes reach it through supportlake.api.dependencies."""

    settings: Settings
    metrics: ApiMetrics = field(default_factory=ApiMetrics)
    predictor: TicketPredictor | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    instance: str = field(default_factory=instance_name)
    known_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # task -> lower -> label

    def __post_init__(self) -> None:
        self.batcher = PredictionBatcher(self._predict_many)
        self.rate_limit = ClientRateLimit(self.settings.api_rate_limit)
        self.escalation_allow = frozenset(self.settings.api_escalation_allow)
        landing = self.settings.landing
        self.prediction_log = LandingLog(landing / PREDICTION_LOG.name, "predictions")
        self.escalation_log = LandingLog(landing / ESCALATIONS.name, "escalations")
        self.feedback_log = LandingLog(landing / CORRECTIONS_SOURCE, "api-feedback")
        self.recommendation_feedback_log = LandingLog(
            landing / RECOMMENDATION_FEEDBACK.name, "api-recommendation-feedback"
        )
        self.recommendation_answer_log = answer_log(landing, "api-recommendation-answers")
        self.recommendation_indexes = IndexPreparation(self.settings)
        self.notifier = WebhookNotifier(
            self.settings.escalation_webhook_url,
            self.settings.escalation_webhook_timeout_seconds,
            on_failure=self.metrics.webhook_failures.inc,
        )

    @property
    def logs(self) -> dict[str, LandingLog]:
        return {
            "prediction_log": self.prediction_log,
            "escalations": self.escalation_log,
            "feedback": self.feedback_log,
            "recommendation_feedback": self.recommendation_feedback_log,
            "recommendation_answers": self.recommendation_answer_log,
        }

    def _predict_many(self, tickets: Sequence[dict]) -> list:
        if self.predictor is None:
            raise ModelUnavailable("models are still loading")
        return self.predictor.predict(tickets)

    def load_models(self) -> None:
        predictor = load_predictor(self.settings.models_dir)
        self.predictor = predictor
        self.metrics.set_models(predictor.models)
        self.known_labels = read_known_labels(predictor)
        for task, model in predictor.models.items():
            logger.info(
                "model loaded",
                extra={
                    "fields": {"task": task, "version": model.version, "note": model.compiled_note}
                },
            )
        if not predictor.models:
            logger.warning(
                "no current model: predictions answer 503 until one is trained",
                extra={"fields": {"models_dir": str(self.settings.models_dir)}},
            )

    async def housekeeping(self) -> None:
        """Close finished hourly logs; pick up a newly trained model without a restart."""
        last_poll = time.monotonic()
        while True:
            self.recommendation_indexes.check()
            await asyncio.sleep(HOUSEKEEPING_SECONDS)
            for log in self.logs.values():
                log.rotate_if_due()
            if time.monotonic() - last_poll < MODEL_POLL_SECONDS:
                continue
            last_poll = time.monotonic()
            serving = self.predictor.versions if self.predictor else {}
            if current_versions(self.settings.models_dir) != serving:
                try:
                    await asyncio.to_thread(self.load_models)
                except Exception:  # keep serving the old model
                    logger.exception("reloading models failed; the previous models keep serving")

    @asynccontextmanager
    async def lifespan(self, app: FastAPI):
        for log in self.logs.values():
            for path in recover_orphans(log.folder):
                logger.info("closed a log left open", extra={"fields": {"path": str(path)}})
        self.load_models()
        self.recommendation_indexes.check()  # before the first request can ask /health
        keeper = asyncio.create_task(self.housekeeping())
        try:
            yield
        finally:
            keeper.cancel()
            with suppress(asyncio.CancelledError):
                await keeper
            await self.notifier.aclose()
            for log in self.logs.values():
                closed = log.close()
                if closed:
                    logger.info("log closed", extra={"fields": {"path": str(closed)}})


def read_known_labels(predictor: TicketPredictor) -> dict[str, dict[str, str]]:
    """Labels a correction may use: the seeds' taxonomy and priorities, and the models' classes."""
    seeds = {
        "category": (PROJECT_ROOT / "seeds" / "category_taxonomy.csv", "category"),
        "priority": (PROJECT_ROOT / "seeds" / "priority_levels.csv", "priority"),
    }
    known: dict[str, dict[str, str]] = {}
    for task, (path, column) in seeds.items():
        labels: list[str] = []
        with suppress(OSError, csv.Error), path.open(newline="", encoding="utf-8") as handle:
            labels = [row[column].strip() for row in csv.DictReader(handle) if row.get(column)]
        model = predictor.models.get(task)
        if model is not None:
            labels += [str(label) for label in model.classes]
        known[task] = {label.lower(): label for label in labels if label}
    return known

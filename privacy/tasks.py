"""The daily retention job (CELERY_BEAT_SCHEDULE "privacy-retention"). It takes no arguments and
holds no state: it calls the service, which finds what is due in the database."""

import contextlib
import logging

from celery import shared_task

from .services import anonymise_due_cases as run_retention

log = logging.getLogger(__name__)
TASK_NAME = "privacy.tasks.anonymise_due_cases"


def _audit_context():
    """The audit trail's context for this task, so its triggers record who acted (the system)."""
    try:
        from audit.context import audit_context
    except ImportError:  # the audit app is not installed
        return contextlib.nullcontext()
    return audit_context(task=TASK_NAME)


@shared_task(name=TASK_NAME, ignore_result=True)
def anonymise_due_cases() -> None:
    with _audit_context():
        run = run_retention()
    # Counts only: no reference, no name.
    log.info(
        "Retention (closed on or before %s): %s due, %s anonymised, %s persons erased, %s kept for another "
        "case, %s failed, %s skipped",
        run.cutoff, run.due, run.anonymised, run.persons_erased, run.persons_kept, run.failed, run.skipped,
    )  # fmt: skip

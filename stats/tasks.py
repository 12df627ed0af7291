"""Celery tasks of the statistics: the dashboards' rollups, rebuilt by beat every five minutes
(CELERY_BEAT_SCHEDULE "stats-rollups"). The task holds no state: it calls the service."""

import logging

from celery import shared_task

from .rollups import rollups_rebuild

log = logging.getLogger(__name__)


@shared_task(name="stats.tasks.rebuild_rollups", ignore_result=True)
def rebuild_rollups() -> None:
    state = rollups_rebuild()
    log.info("Rollups rebuilt: %s rows from %s cases in %.2f s", state.rollup_rows, state.source_rows, state.seconds)

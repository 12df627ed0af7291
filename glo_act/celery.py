"""Celery app, configured from Django settings (CELERY_*). The broker is CELERY_BROKER_URL from the
environment; without it, settings make tasks run eagerly in-process (development, most tests).

Run a worker and beat with `make worker`; beat only triggers the periodic checks (deadlines, the
outbox sweeper), whose state lives in the database.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "glo_act.settings")

app = Celery("glo_act")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

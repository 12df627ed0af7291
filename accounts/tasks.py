"""Housekeeping for sign-in data, run by Celery beat."""

from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task
def clear_expired_sessions() -> None:
    """Delete expired sessions (Django keeps them until asked): a session row holds who was signed in."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()

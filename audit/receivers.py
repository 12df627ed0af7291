"""Listeners on Django's and django-axes' authentication signals, and Celery's task signals.

These only record (the brief's exception to "no side effects in signals"): a sign-in, a failure,
a sign-out, a lock-out; and a task's name as the audit context of what it writes.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from . import context
from .models import SecurityKind
from .services import security_event_record

USERNAME_KEYS = ("username", "email", "login")


def on_login(sender, request, user, **kwargs):
    security_event_record(kind=SecurityKind.LOGIN, user=user, request=request)


def on_logout(sender, request, user, **kwargs):
    security_event_record(kind=SecurityKind.LOGOUT, user=user, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    """Only the name typed is kept: Django already masks the password, and we never read it."""
    username = next((str(credentials[k]) for k in USERNAME_KEYS if credentials.get(k)), "")
    security_event_record(kind=SecurityKind.LOGIN_FAILED, username=username[:150], request=request, user=None)


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    security_event_record(kind=SecurityKind.LOCKED_OUT, username=(username or "")[:150], request=request)


def on_task_prerun(sender=None, task_id=None, task=None, **kwargs):
    name = getattr(task, "name", None) or getattr(sender, "name", "task")
    outer = context.current()
    facts = {"task": name, "task_id": task_id}
    if outer:  # an eager task inside a request keeps the request's who and from where
        facts = {**outer, **facts}
    task._glo_act_audit_token = context.set_current(facts)


def on_task_postrun(sender=None, task=None, **kwargs):
    token = getattr(task, "_glo_act_audit_token", None)
    if token is not None:
        task._glo_act_audit_token = None
        context.restore(token)
        if not context.current():
            context.reset_connections()


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="audit_login")
    user_logged_out.connect(on_logout, dispatch_uid="audit_logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit_login_failed")
    try:  # django-axes is installed by the sign-in work; without it there are no lock-outs to record
        from axes.signals import user_locked_out
    except ImportError:  # pragma: no cover
        pass
    else:
        user_locked_out.connect(on_locked_out, dispatch_uid="audit_locked_out")
    try:
        from celery.signals import task_postrun, task_prerun
    except ImportError:  # pragma: no cover
        pass
    else:
        task_prerun.connect(on_task_prerun, dispatch_uid="audit_task_prerun", weak=False)
        task_postrun.connect(on_task_postrun, dispatch_uid="audit_task_postrun", weak=False)

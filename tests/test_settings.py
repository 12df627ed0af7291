"""With DEBUG off, unsafe or missing settings stop the start with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOOD = {
    "SECRET_KEY": "k7#Qz!v9@Lm2^Rt8&Yp4*Wn6(Hx1)Bc5-Fd3+Gj0=Ks",  # replaced below by a longer one
    "ALLOWED_HOSTS": "glo-act.example.org",
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/glo_act"),
}
GOOD["SECRET_KEY"] = GOOD["SECRET_KEY"] * 2
# --- crypto (issue 5): keys of the encrypted fields and of the name-search index ---
GOOD["FIELD_ENCRYPTION_KEYS"] = "q6b0Jk0u3sJ2y8mH8y5m2a9Wq1Vb7cXzN4pL0eR6tYg="
GOOD["BLIND_INDEX_KEY"] = "Zr3V9mX1b7QkP2wL8sN5dH0cT4yJ6uE1aF9gK3oM7iI="
# --- end crypto ---


def start(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("GLO_ACT_TESTING", "DJANGO_SETTINGS_MODULE")}
    env.update(GOOD)
    env.update({"DEBUG": "0", "DJANGO_SETTINGS_MODULE": "glo_act.settings"})
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('started')"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)  # fmt: skip


def test_it_starts_with_safe_production_settings():
    result = start()
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too short"),
        ({"SECRET_KEY": "django-insecure-" + "a1b2c3d4e5" * 5}, "insecure development key"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS is not set"),
        ({"ALLOWED_HOSTS": "*"}, "must not contain '*'"),
        ({"DATABASE_URL": None}, "DATABASE_URL is not set"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"FIELD_ENCRYPTION_KEYS": None}, "FIELD_ENCRYPTION_KEYS is not set"),  # crypto (issue 5)
        ({"FIELD_ENCRYPTION_KEYS": "not-a-key"}, "FIELD_ENCRYPTION_KEYS key 1 is not URL-safe base64"),
        ({"FIELD_ENCRYPTION_KEYS": GOOD["FIELD_ENCRYPTION_KEYS"] + ",short"}, "FIELD_ENCRYPTION_KEYS key 2"),
        ({"BLIND_INDEX_KEY": None}, "BLIND_INDEX_KEY is not set"),
        ({"BLIND_INDEX_KEY": GOOD["FIELD_ENCRYPTION_KEYS"]}, "BLIND_INDEX_KEY must differ"),
    ],
)
def test_it_refuses_to_start_with_unsafe_settings(overrides, message):
    result = start(**overrides)
    assert result.returncode != 0
    assert message in result.stderr
    assert "started" not in result.stdout


def test_it_runs_on_postgresql_only():
    result = start(DATABASE_URL="sqlite:///tmp/x.db")
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


def test_without_a_broker_celery_runs_tasks_eagerly(settings):
    from glo_act.celery import app

    assert settings.CELERY_TASK_ALWAYS_EAGER is (not os.environ.get("CELERY_BROKER_URL"))
    assert app.conf.task_always_eager is settings.CELERY_TASK_ALWAYS_EAGER


def test_manage_py_says_why_it_refuses_to_start():
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root")}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert result.returncode != 0
    assert "Refusing to start with DEBUG off" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr
    assert "Models aren't loaded yet" not in result.stderr

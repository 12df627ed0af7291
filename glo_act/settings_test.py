"""Test settings: the same settings, marked as a test run (no production checks, fast hashing)."""

import os

os.environ["GLO_ACT_TESTING"] = "1"

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

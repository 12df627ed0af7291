from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-in: multi-factor authentication, recovery codes, session limits and API tokens."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        # Who is acting, for the database triggers: every connection learns it before it writes.
        from . import context, receivers  # noqa: F401

        context.install()
        receivers.connect()

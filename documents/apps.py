from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Attachments on a case: documents and photos, checked by content, kept outside any public URL."""

    name = "documents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the storage-location check)

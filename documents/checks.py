"""System check: attachment files must never be inside a directory served by a URL."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register


@register()
def private_media_is_private(app_configs, **kwargs):
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    public = [Path(p).resolve() for p in [settings.STATIC_ROOT, *settings.STATICFILES_DIRS] if p]
    if settings.MEDIA_ROOT:
        public.append(Path(settings.MEDIA_ROOT).resolve())
    errors = []
    for directory in public:
        if private == directory or private.is_relative_to(directory) or directory.is_relative_to(private):
            errors.append(
                Error(
                    f"PRIVATE_MEDIA_ROOT ({private}) overlaps a publicly served directory ({directory}).",
                    hint="Keep attachments outside STATIC_ROOT, STATICFILES_DIRS and MEDIA_ROOT.",
                    id="documents.E001",
                )
            )
    return errors

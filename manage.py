#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "glo_act.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - load the settings now, so a refusal is said plainly
    except ImproperlyConfigured as error:
        # Django's command runner would swallow this and fail later with "Models aren't loaded yet".
        sys.exit(f"glo_act: {error}\n(For development, run with DEBUG=1, or use `make run`.)")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

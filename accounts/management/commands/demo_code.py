"""Print the current authenticator code of the demo accounts (development only).

    manage.py demo_code

The demo key is published (README, accounts.services.DEMO_TOTP_SECRET); this saves a newcomer
installing an app. Each code works once per account and 30-second step.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from accounts.services import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current TOTP code of the seed_demo accounts (DEBUG only)."

    def handle(self, *args, **options):
        from base64 import b32decode

        if not settings.DEBUG:
            raise CommandError("Demo accounts only work with DEBUG on; there is no demo code to show.")
        totp = TOTP(b32decode(DEMO_TOTP_SECRET))
        left = totp.step - int(totp.time - totp.t0) % totp.step
        self.stdout.write(f"{totp.token():06d}  (valid for {left} more seconds, once per account)")

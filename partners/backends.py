from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class MembershipBackend(ModelBackend):
    """Username and password sign-in that refuses seed_demo accounts outside development."""

    def user_can_authenticate(self, user):
        if getattr(user, "is_demo", False) and not settings.DEMO_LOGINS_ENABLED:
            return False
        return super().user_can_authenticate(user)

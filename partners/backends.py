from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lock-out check, first in AUTHENTICATION_BACKENDS (issue 5).

    Every sign-in from outside (the sign-in form, the admin's, the API token endpoint) passes the
    request and is checked. A call without a request comes from inside the server (a management
    command, the test client's `login`): there is no address to lock out, so it is let through to
    the password check, where axes would otherwise raise.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class MembershipBackend(ModelBackend):
    """Username and password sign-in that refuses seed_demo accounts outside development."""

    def user_can_authenticate(self, user):
        if getattr(user, "is_demo", False) and not settings.DEMO_LOGINS_ENABLED:
            return False
        return super().user_can_authenticate(user)

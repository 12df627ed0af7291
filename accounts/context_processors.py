from . import selectors


def mfa(request):
    """`mfa_pending`: signed in, but the second step is still owed (the menu is hidden meanwhile)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(user, "is_verified") or user.is_verified():
        return {"mfa_pending": False}
    return {"mfa_pending": selectors.mfa_enforced(user)}

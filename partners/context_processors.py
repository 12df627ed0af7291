from .selectors import user_scope


def user_roles(request):
    """The signed-in user's scope, for navigation (what to show, never what to allow)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"scope": user_scope(user)}

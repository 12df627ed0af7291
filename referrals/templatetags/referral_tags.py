from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The header's unread count: one query per request (referrals.views.unread_count caches it)."""
    from referrals.views import unread_count

    request = context.get("request")
    return unread_count(request) if request is not None else 0

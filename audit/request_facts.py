"""Who and from where, as seen in a request: the same facts for change, access and security rows."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR; a proxy's header only when AUDIT_CLIENT_IP_HEADER names one (a trusted proxy).

    With X-Forwarded-For, the entry AUDIT_PROXY_COUNT from the right is taken (1: the address the
    trusted proxy itself saw), never the left-most one, which the client writes.
    """
    if request is None:
        return None
    value = request.META.get("REMOTE_ADDR", "")
    header = getattr(settings, "AUDIT_CLIENT_IP_HEADER", "")
    if header and request.META.get(header):
        parts = [p.strip() for p in request.META[header].split(",") if p.strip()]
        count = max(1, int(getattr(settings, "AUDIT_PROXY_COUNT", 1)))
        if len(parts) >= count:
            value = parts[-count]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def request_facts(request, user=None) -> dict:
    """The facts of one request, for the trigger's context and for rows written from Python."""
    if request is None:
        facts = {}
    else:
        facts = {
            "ip": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "method": request.method,
            "path": request.path[:500],
            "request_id": getattr(request, "audit_request_id", ""),
        }
    if user is None and request is not None:
        # request.user only if already resolved or cheap: never force an anonymous lookup to fail.
        user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        facts["user_id"] = user.pk
        facts["username"] = user.get_username()
    return {k: v for k, v in facts.items() if v not in (None, "")}

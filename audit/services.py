"""Writes of the audit trail that come from Python: views of identities and security events.

Changes are written by the database triggers (migration 0002), never from here.
"""

import logging

from django.db import connection

from . import context
from .models import AccessKind, SecurityEvent
from .request_facts import request_facts

logger = logging.getLogger(__name__)

_ACCESS_SQL = """
WITH given_persons AS (SELECT unnest(%s::bigint[]) AS id),
     given_cases AS ({cases}),
     persons AS (
        SELECT id FROM given_persons
        UNION SELECT c.person_id FROM cases_case c JOIN given_cases g ON g.id = c.id
     )
INSERT INTO audit_accessevent
    (at, actor_id, username, ip, user_agent, method, path, request_id, kind, what, person_ids, case_ids, countries)
SELECT statement_timestamp(), %s, %s, %s, %s, %s, %s, %s, %s, %s,
       (SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM persons),
       (SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM given_cases),
       (SELECT coalesce(array_agg(DISTINCT country_id ORDER BY country_id), '{{}}') FROM cases_case
         WHERE id IN (SELECT id FROM given_cases) OR person_id IN (SELECT id FROM persons))
WHERE EXISTS (SELECT 1 FROM persons)
"""


def access_record(
    *, user, request, person_ids=(), what: str, case_ids=(), case_queryset=None, identity: bool = True
) -> None:
    """Record that `user` was shown these persons' identifying data (one row per request).

    Pass the persons shown, or the cases shown with identity (their persons are looked up in the
    same statement), or a queryset of cases (an export: its ids never travel through Python).
    Nothing is written when nothing was shown. `what` names the page or endpoint. One INSERT,
    with the countries of the persons' cases, for country auditors. Without a request (a service
    called by a view), the current audit context says who and from where.
    """
    person_ids = sorted({int(i) for i in person_ids if i is not None})
    case_ids = sorted({int(i) for i in case_ids if i is not None})
    if not person_ids and not case_ids and case_queryset is None:
        return
    if case_queryset is not None:
        cases_sql, cases_params = case_queryset.order_by().values("id").query.sql_with_params()
        cases_sql = f"SELECT id FROM ({cases_sql}) AS q UNION SELECT unnest(%s::bigint[])"  # noqa: S608 (compiled by Django, parameters apart)
        cases_params = [*cases_params, case_ids]
    else:
        cases_sql, cases_params = "SELECT unnest(%s::bigint[]) AS id", [case_ids]
    facts = {**(context.current() or {}), **request_facts(request, user)}
    params = [
        person_ids,
        *cases_params,
        facts.get("user_id"),
        facts.get("username", ""),
        facts.get("ip"),
        facts.get("user_agent", ""),
        facts.get("method", ""),
        facts.get("path", ""),
        facts.get("request_id", ""),
        AccessKind.IDENTITY if identity else AccessKind.PSEUDONYMOUS,
        what[:100],
    ]
    with connection.cursor() as cursor:
        cursor.execute(_ACCESS_SQL.format(cases=cases_sql), params)


def _user_countries(user_id) -> list[str]:
    from partners.models import Membership

    if not user_id:
        return []
    return sorted(set(Membership.objects.filter(user_id=user_id).values_list("agency__country_id", flat=True)))


def security_event_record(*, kind: str, user=None, username: str = "", request=None, detail=None) -> SecurityEvent:
    """Record a sign-in, a failure, a sign-out, a lock-out, a refusal or a second-factor event.

    `username` is the name typed at a failed sign-in (the user may not exist); never pass a password
    or a code. Kinds: audit.models.SecurityKind (others are stored as given). The event carries the
    countries of the user's agencies, so that a country auditor sees the events of their country.
    """
    facts = (
        {**(context.current() or {}), **request_facts(request, user)}
        if request is None
        else request_facts(request, user)
    )
    user_id = facts.get("user_id")
    if user_id is None and username:
        from partners.models import User

        user_id = User.objects.filter(username=username).values_list("id", flat=True).first()
    return SecurityEvent.objects.create(
        kind=str(kind)[:30],
        actor_id=user_id,
        username=(facts.get("username") or username or "")[:150],
        ip=facts.get("ip"),
        user_agent=facts.get("user_agent", ""),
        method=facts.get("method", ""),
        path=facts.get("path", ""),
        request_id=facts.get("request_id", ""),
        countries=_user_countries(user_id),
        detail=detail,
    )

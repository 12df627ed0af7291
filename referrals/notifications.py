"""Who is told about a referral, and the outbox that makes telling them reliable.

`notify` runs inside the service's transaction: the Notification rows (the in-app inbox) and their
OutboxMessage rows (e-mail) commit or roll back with the state change. Delivery is queued only
after commit; the sweeper (referrals.tasks.sweep_outbox) re-queues whatever is still pending, so a
broker that was down at commit time delays an e-mail but never loses it.
"""

from django.db import transaction

from partners.models import Membership, Role, User

from .models import Notification, OutboxMessage, Referral
from .selectors import RECEIVING_ROLES


def _members(agency_ids, roles) -> set[int]:
    return set(
        Membership.objects.filter(
            agency_id__in=list(agency_ids), role__in=list(roles), is_active=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def receiving_staff(referral: Referral) -> set[int]:
    return _members([referral.to_agency_id], RECEIVING_ROLES) if referral.to_agency_id else set()


def sending_staff(referral: Referral) -> set[int]:
    """The case's assignee, the referral's author and the sending agency's supervisors."""
    ids = {referral.created_by_id} | _members([referral.from_agency_id], {Role.SUPERVISOR})
    if referral.case.assigned_to_id:
        ids.add(referral.case.assigned_to_id)
    return ids


def supervisors(referral: Referral) -> set[int]:
    agencies = [referral.from_agency_id] + ([referral.to_agency_id] if referral.to_agency_id else [])
    return _members(agencies, {Role.SUPERVISOR})


def focal_points(country_code: str) -> set[int]:
    return set(
        Membership.objects.filter(
            role=Role.FOCAL_POINT,
            is_active=True,
            user__is_active=True,
            agency__is_focal_point=True,
            agency__is_active=True,
            agency__country_id=country_code,
        ).values_list("user_id", flat=True)
    )


def notify(*, referral: Referral, kind: str, user_ids: set[int], exclude: int | None = None) -> list[Notification]:
    """Write the notices and their e-mails now; queue the e-mails when the transaction commits."""
    user_ids = set(user_ids) - {exclude}
    if not user_ids:
        return []
    users = list(User.objects.filter(id__in=user_ids, is_active=True).only("id", "email"))
    notes = Notification.objects.bulk_create(Notification(recipient=u, kind=kind, referral=referral) for u in users)
    emails = OutboxMessage.objects.bulk_create(
        OutboxMessage(notification=n, to_address=u.email) for n, u in zip(notes, users, strict=True) if u.email
    )
    ids = [m.id for m in emails]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids), robust=True)
    return notes


def _enqueue(outbox_ids: list[int]) -> None:
    """Hand the e-mails to Celery. A broker failure here is not an error: the sweeper retries."""
    from .tasks import enqueue

    enqueue(outbox_ids)

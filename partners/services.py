"""Writes about partners. The Django admin calls these too, so rules hold everywhere."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Agency, Membership, Role, Scope


@transaction.atomic
def agency_create(*, name: str, short_name: str, type: str, country, **fields) -> Agency:
    """An agency and the group that case grants to it are made for (guardian)."""
    group = Group.objects.create(name=f"agency:{short_name}")
    agency = Agency(name=name, short_name=short_name, type=type, country=country, group=group, **fields)
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def membership_create(*, user, agency: Agency, role: str, scope: str = Scope.AGENCY) -> Membership:
    if role not in (Role.PROGRAMME_MANAGER, Role.AUDITOR) and scope != Scope.AGENCY:
        raise ValidationError({"scope": _("Only programme managers and auditors have a country or regional scope.")})
    membership = Membership(user=user, agency=agency, role=role, scope=scope)
    membership.full_clean()
    membership.save()
    return membership

"""Retention and erasure: anonymising a case erases what identifies the person and keeps what
the statistics count.

Two ways in, one service (`case_anonymise`):
- **retention**: a case closed RETENTION_DAYS_AFTER_CLOSURE days ago or more is anonymised by
  the daily beat job (`anonymise_due_cases`, privacy/tasks.py) or the management command;
- **consent**: withdrawing consent to the processing of personal data (cases.services.consent_withdraw)
  erases at once, and the case goes on as a pseudonymous record.

Erased: the person's identifying fields (victims.models.IDENTIFYING_FIELDS) and their search
index, and every free-text field that can name or locate someone (cases.models.REDACTED_FIELDS:
identification place and narrative, notes, consent notes and guardian names, safety plans,
support-plan objectives, service notes, best-interests panels and summaries, closure notes), the
free text of the case's referrals and their timeline, and timeline summaries that carry a user's
words. Kept: sex, the age at each identification (the exact date of birth is replaced by the age
in whole years at the latest identification), citizenships, languages, vulnerabilities, the
Palermo elements and exploitation codes, dates, statuses and stages: what the dashboards, CTDC
and GLOTIP count, so their figures do not move.

A person can have several cases (Case.person is a foreign key). Retention erases the person only
when every one of their cases is due; until then the due case's own free text is erased and the
person kept (ErasureRecord.person_erased is False), and the next due case finishes the job.
Withdrawing consent erases the person, and the free text of all their cases, at once.
"""

import dataclasses
import datetime
import functools
import logging
import operator

from django.apps import apps
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import REDACTED_FIELDS, Case, CaseEvent, Identification
from glo_act.vocabularies import CaseStatus
from victims.models import IDENTIFYING_FIELDS, Person, age_on

from .models import ErasureRecord

log = logging.getLogger(__name__)
Kind = ErasureRecord.Kind
CLOSED_STATUSES = (CaseStatus.CLOSED, CaseStatus.CLOSEDREFERRED)


def _search_fields() -> tuple[str, ...]:
    """The person's fields that index the names for search (the blind index): they go with the names."""
    from glo_act.crypto_fields import BlindIndexField

    return tuple(f.name for f in Person._meta.concrete_fields if isinstance(f, BlindIndexField))


PERSON_SEARCH_FIELDS = _search_fields()
# Referral models whose every TextField is the agencies' free text (message, reasons, feedback).
REFERRAL_TEXT_MODELS = ("referrals.Referral", "referrals.ReferralEvent")


# ---------------------------------------------------------------------------------------------
# When a case is due


def retention_days() -> int:
    return settings.RETENTION_DAYS_AFTER_CLOSURE


def retention_cutoff(today: datetime.date | None = None) -> datetime.date:
    """Cases closed on or before this date are due. Dates are the server's local dates
    (TIME_ZONE), as case_close writes closed_on, so the boundary is the same day everywhere."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=retention_days())


def due_q(cutoff: datetime.date) -> Q:
    """Closed on or before the cutoff, and not yet anonymised for this closure."""
    done = ErasureRecord.objects.filter(
        kind=Kind.ANONYMISED, case=models.OuterRef("pk"), case_closed_on=models.OuterRef("closed_on")
    )
    return Q(status__in=CLOSED_STATUSES, closed_on__lte=cutoff) & ~models.Exists(done)


def due_cases(today: datetime.date | None = None):
    return Case.objects.filter(due_q(retention_cutoff(today)))


def erasure_due_on(case: Case) -> datetime.date | None:
    """The first day a closed case is due for anonymisation; None while it is open."""
    if not case.is_closed or case.closed_on is None:
        return None
    return case.closed_on + datetime.timedelta(days=retention_days())


# ---------------------------------------------------------------------------------------------
# Erasing


def _empty(field):
    if isinstance(field, ArrayField):
        return []
    if field.null:
        return None
    return ""


def _nonempty_q(field) -> Q:
    if isinstance(field, ArrayField):
        return ~Q(**{field.name: []})
    if isinstance(field, models.CharField | models.TextField):
        not_blank = ~Q(**{field.name: ""})
        return Q(**{f"{field.name}__isnull": False}) & not_blank if field.null else not_blank
    return Q(**{f"{field.name}__isnull": False})


def _holds(obj, field) -> bool:
    return getattr(obj, field.attname) not in (None, "", [])


def _erase_rows(queryset, names, extra: dict | None = None) -> int:
    """Empty these fields (and set `extra`) on the rows of the queryset that still hold something;
    rows changed."""
    fields = [queryset.model._meta.get_field(name) for name in names]
    if not fields:
        return 0
    holding = functools.reduce(operator.or_, (_nonempty_q(f) for f in fields))
    values = {f.name: _empty(f) for f in fields} | (extra or {})
    if any(f.name == "updated_at" for f in queryset.model._meta.fields):
        values["updated_at"] = timezone.now()
    return queryset.filter(holding).update(**values)


def _text_fields(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, models.TextField)]


def _free_text_events() -> dict:
    from cases.timeline import FREE_TEXT_EVENTS  # the timeline entries that quote a user (in English)

    return FREE_TEXT_EVENTS


def _erase_model(label: str, rows, names, erased: dict) -> None:
    """Count per field what the rows still hold (one read), then empty them all (one write, only
    when something is left): a case costs two statements per model at most, and a case already
    erased costs reads only."""
    model = rows.model
    fields = [model._meta.get_field(name) for name in sorted(names)]
    if not fields:
        return
    counts = rows.aggregate(**{f"n_{f.name}": models.Count("pk", filter=_nonempty_q(f)) for f in fields})
    held = {f.name: counts[f"n_{f.name}"] for f in fields if counts[f"n_{f.name}"]}
    if not held:
        return
    _erase_rows(rows, list(held))
    for name, count in held.items():
        erased[f"{label}.{name}"] = count


def _erase_case_text(case: Case, actor=None) -> dict[str, int]:
    """Free text on the case and everything recorded on it; {"app.Model.field": rows}."""
    erased: dict[str, int] = {}
    for label, names in REDACTED_FIELDS.items():
        model = apps.get_model(label)
        if model is Person or not names:
            continue
        rows = model.objects.filter(pk=case.pk) if model is Case else model.objects.filter(case=case)
        _erase_model(label, rows, names, erased)
    for label in REFERRAL_TEXT_MODELS:
        model = apps.get_model(label)
        if label == "referrals.Referral":
            rows = model.objects.filter(case=case)
        else:
            rows = model.objects.filter(referral__case=case)
        _erase_model(label, rows, _text_fields(model), erased)
    generic = {action: str(text) for action, text in _free_text_events().items()}
    quoting = CaseEvent.objects.filter(case=case, action__in=list(generic)).exclude(summary__in=list(generic.values()))
    counts = dict(quoting.values("action").annotate(n=models.Count("pk")).values_list("action", "n"))
    if counts:
        quoting.update(
            summary=models.Case(
                *(models.When(action=a, then=models.Value(t)) for a, t in generic.items()),
                default=models.F("summary"),
            ),
            params={},  # the facts of a quoting entry hold the quoted reason too
        )
        for action, count in counts.items():
            erased[f"cases.CaseEvent.summary[{action}]"] = count
    erased.update(_erase_attachments(case, actor))
    return erased


def _erase_attachments(case: Case, actor) -> dict[str, int]:
    """Documents and photos on the case: their files leave the disk, their names and descriptions
    are blanked (documents.services.attachments_erase_for_case)."""
    try:
        from documents.services import attachments_erase_for_case
    except ImportError:  # the documents app is not installed
        return {}
    count = attachments_erase_for_case(case=case, actor=actor)
    return {"documents.Attachment": count} if count else {}


def _keep_age_without_birth_date(person: Person) -> dict:
    """Replace an exact date of birth by the age in whole years at the latest identification
    (what each identification already stores as age_at_identification): the age band and the
    child presumption stay right, the birthday goes."""
    if person.date_of_birth is None:
        return {}
    latest = (
        Identification.objects.filter(case__person=person)
        .order_by("-identified_on", "-id")
        .only("identified_on")
        .first()
    )
    on = latest.identified_on if latest else timezone.localdate()
    age = age_on(date_of_birth=person.date_of_birth, estimated_age=None, estimated_on=None, on=on)
    return {"estimated_age": age, "age_estimated_on": on if age is not None else None}


def _erase_person(person: Person) -> list[str]:
    """Empty the identifying fields and the search index; the names of the fields that held something."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    names = [*IDENTIFYING_FIELDS, *PERSON_SEARCH_FIELDS]
    held = [name for name in names if _holds(person, Person._meta.get_field(name))]
    if not held:
        return []
    _erase_rows(Person.objects.filter(pk=person.pk), held, extra=_keep_age_without_birth_date(person))
    return held


def _other_cases_still_needed(case: Case, cutoff: datetime.date) -> bool:
    """The person has another case that is open, or closed more recently than the period."""
    return (
        Case.objects.filter(person_id=case.person_id)
        .exclude(pk=case.pk)
        .exclude(status__in=CLOSED_STATUSES, closed_on__lte=cutoff)
        .exists()
    )


def _record(*, case, kind, reason, person_erased, erased, actor, closed_on=None) -> ErasureRecord:
    record = ErasureRecord.objects.create(
        case=case,
        person_id=case.person_id,
        kind=kind,
        reason=reason[:255],
        person_erased=person_erased,
        case_closed_on=closed_on,
        erased=erased,
        actor=actor,
    )
    if kind == Kind.CONSENT_WITHDRAWN:
        summary = "Identifying data erased: consent to the processing of personal data was withdrawn."
    elif person_erased:
        summary = f"Identifying data erased: {retention_days()} days since the case was closed."
    else:
        summary = (
            f"Free text erased: {retention_days()} days since the case was closed. The person's details "
            "are kept while another of their cases is open or recently closed."
        )
    # The summary stays in English; the case page writes it in the reader's language from params.
    params = {"kind": str(kind), "person_erased": bool(person_erased), "days": retention_days()}
    CaseEvent.objects.create(case=case, actor=actor, action="identity_erased", summary=summary[:255], params=params)
    return record


class NotDue(ValidationError):
    """Retention asked for a case that is open, closed too recently, or already anonymised."""


@transaction.atomic
def case_anonymise(
    *, case: Case, reason: str, actor=None, kind: str = Kind.ANONYMISED, today: datetime.date | None = None
) -> list[ErasureRecord]:
    """Erase what identifies the person on this case, keep what the statistics count, record it.

    `reason` is written by the caller's code, never a user's words (it goes into the register).
    Retention (kind anonymised, actor None) refuses a case that is not due; consent withdrawal
    (kind consent_withdrawn) erases the person and the free text of every case of theirs. Returns
    the ErasureRecords written (one per case erased). Permission is the caller's business: the
    job is the system, consent_withdraw checks the user.
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown erasure kind {kind!r}.")
    if kind == Kind.ANONYMISED:
        # Locked and checked in one statement: a case reopened meanwhile is no longer due.
        cutoff = retention_cutoff(today)
        case = Case.objects.select_for_update(of=("self",)).filter(due_q(cutoff)).filter(pk=case.pk).first()
        if case is None:
            raise NotDue(_("This case is not due for anonymisation: open, closed too recently, or done."))
        erased = _erase_case_text(case, actor)
        person_erased = not _other_cases_still_needed(case, cutoff)
        if person_erased:
            fields = _erase_person(case.person)
            if fields:
                erased["victims.Person"] = fields
        return [
            _record(
                case=case,
                kind=kind,
                reason=reason,
                person_erased=person_erased,
                erased=erased,
                actor=actor,
                closed_on=case.closed_on,
            )
        ]
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    records = []
    fields = _erase_person(case.person)
    cases = [case, *Case.objects.select_for_update(of=("self",)).filter(person_id=case.person_id).exclude(pk=case.pk)]
    for each in sorted(cases, key=lambda c: c.pk):
        erased = _erase_case_text(each, actor)
        if fields and each.pk == case.pk:
            erased["victims.Person"] = fields
        records.append(_record(case=each, kind=kind, reason=reason, person_erased=True, erased=erased, actor=actor))
    return records


# ---------------------------------------------------------------------------------------------
# The retention run


@dataclasses.dataclass
class RetentionRun:
    cutoff: datetime.date
    dry_run: bool = False
    due: int = 0  # cases due when the run looked
    anonymised: int = 0  # cases anonymised (would be, on a dry run)
    persons_erased: int = 0
    persons_kept: int = 0  # kept for another case of theirs that is not due
    failed: int = 0
    skipped: int = 0  # no longer due when locked (reopened meanwhile, or done by another run)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def anonymise_due_cases(*, today: datetime.date | None = None, dry_run: bool = False, batch_size=None) -> RetentionRun:
    """Anonymise every case due, in batches, each in its own transaction.

    A failure on one case is logged (its id and the error's type, nothing from the data) and the
    run goes on; the case stays due and is tried again on the next run. Running it twice changes
    nothing the second time. Counts only: it never returns or logs a name.
    """
    cutoff = retention_cutoff(today)
    run = RetentionRun(cutoff=cutoff, dry_run=dry_run)
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    due = Case.objects.filter(due_q(cutoff))
    run.due = due.count()
    if dry_run:
        for case in due.only("id", "person_id").iterator(chunk_size=batch_size):
            run.anonymised += 1
            if _other_cases_still_needed(case, cutoff):
                run.persons_kept += 1
            else:
                run.persons_erased += 1
        return run
    reason = f"Retention: closed {retention_days()} days or more before {today or timezone.localdate():%Y-%m-%d}."
    last_id = 0
    while True:
        ids = list(due.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        for case_id in ids:
            last_id = case_id
            try:
                (record,) = case_anonymise(case=Case(pk=case_id), reason=reason, kind=Kind.ANONYMISED, today=today)
            except NotDue:
                run.skipped += 1  # reopened meanwhile, or done by another run
                continue
            except Exception as error:  # noqa: BLE001 - one case must not stop the others
                run.failed += 1
                log.error("Retention: case id %s not anonymised (%s); it is tried again on the next run.",
                          case_id, type(error).__name__)  # fmt: skip
                continue
            run.anonymised += 1
            if record.person_erased:
                run.persons_erased += 1
            else:
                run.persons_kept += 1
    return run

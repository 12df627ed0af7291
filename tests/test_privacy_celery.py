"""The retention job through a real Celery worker and a real Redis (tests/celery_support.py), and
what the audit trail records of it."""

import datetime

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from cases.services import case_close
from privacy.models import ErasureRecord
from privacy.tasks import TASK_NAME, anonymise_due_cases
from tests.celery_support import RedisServer, Worker, database_url, free_port, publishing_to, wait_until
from victims.models import Person

from .conftest import log_case

DAYS = settings.RETENTION_DAYS_AFTER_CLOSURE
TODAY = datetime.date.today()


def due_case(w):
    case = log_case(w.cw, w.ir_ngo, identification={"identified_on": TODAY - datetime.timedelta(days=DAYS + 400)})
    return case_close(user=w.cw, case=case, reason="SupportGoalsMet", closed_on=TODAY - datetime.timedelta(days=DAYS))


def person_changes(person_id: int):
    ChangeEvent = apps.get_model("audit", "ChangeEvent")
    return ChangeEvent.objects.filter(table_name="victims_person", row_id=str(person_id), action="UPDATE")


@pytest.mark.django_db(transaction=True)
def test_the_job_runs_in_a_real_worker_and_the_trail_names_the_task(world):
    redis = RedisServer().start()
    worker = Worker(broker_url=redis.url, database_url=database_url(connection.settings_dict), smtp_port=free_port())
    try:
        worker.start()
        case = due_case(world)
        recent = log_case(world.cw, world.ir_ngo)
        with publishing_to(redis.url):
            anonymise_due_cases.delay()
        wait_until(lambda: ErasureRecord.objects.filter(case=case).exists(), 30, message="the worker to anonymise")
        person = Person.objects.get(pk=case.person_id)
        assert (person.given_name_latin, person.family_name, person.name_index) == ("", "", [])
        assert Person.objects.get(pk=recent.person_id).given_name_latin == "Reza"
        assert "Reza" not in worker.output() and "Ahmadi" not in worker.output()
        if apps.is_installed("audit"):
            change = person_changes(case.person_id).latest("id")
            assert change.context == {"task": TASK_NAME}
            assert "Reza" not in str(change.old) and "Reza" not in str(change.new)
    finally:
        worker.stop()
        redis.stop()


@pytest.mark.django_db
def test_the_trail_records_who_withdrew_consent(world, client):
    if not apps.is_installed("audit"):
        pytest.skip("the audit app is not installed")
    from django.urls import reverse

    from cases.services import consent_record

    consent = consent_record(user=world.cw, case=world.case_ir, purpose="DataProcessing")
    client.force_login(world.cw)
    url = reverse("case_consent_withdraw", args=[world.case_ir.reference, consent.pk])
    assert client.post(url, {"withdrawal_reason": "Asked"}).status_code == 302
    change = person_changes(world.case_ir.person_id).latest("id")
    assert change.actor_id == world.cw.pk and change.context["user_id"] == world.cw.pk

"""The exports through the API: the same roles, scope and record as the browser downloads."""

import csv
import io

from stats.models import ExportRecord
from tests.api_support import API, client_for


def test_a_programme_manager_downloads_glotip_through_the_api(world):
    response = client_for(world.pm_region).get(API + "stats/exports/glotip.csv", {"country": "IR"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "no-store"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header and "Reza" not in text
    record = ExportRecord.objects.get()
    assert (record.user, record.kind, record.format) == (world.pm_region, "glotip", "csv")


def test_it_refuses_identifying_exports_to_oversight_and_every_export_to_a_caseworker(world):
    assert client_for(world.pm_region).get(API + "stats/exports/htcds.csv").status_code == 403
    assert client_for(world.cw).get(API + "stats/exports/ctdc.csv").status_code == 403
    assert client_for(world.nobody).get(API + "stats/exports/glotip.xlsx").status_code == 403


def test_anonymous_and_unknown_exports(world):
    assert client_for().get(API + "stats/exports/glotip.csv").status_code == 401
    assert client_for(world.pm_region).get(API + "stats/exports/names.csv").status_code == 404
    assert client_for(world.pm_region).get(API + "stats/exports/glotip.pdf").status_code == 404


def test_bad_filters_answer_400_and_export_nothing(world):
    response = client_for(world.pm_region).get(API + "stats/exports/ctdc.csv", {"agency": "IR-NGO"})
    assert response.status_code == 400
    assert not ExportRecord.objects.filter(row_count__gt=0).exists()

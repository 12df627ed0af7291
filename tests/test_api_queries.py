"""The cases list costs a fixed number of queries, however many rows it renders."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api_support import API, client_for
from tests.conftest import log_case


def queries_for(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("role", ["cw", "pm_ir"])
def test_the_cases_list_costs_the_same_queries_for_10_or_100_cases(world, role):
    from cases import services

    client = client_for(getattr(world, role))
    for _ in range(10):
        log_case(world.cw, world.ir_ngo)
    queries_for(client, API + "cases/")  # warm the process-wide permission-id cache (cases.selectors)
    small, small_rows = queries_for(client, API + "cases/?page_size=100")
    for _ in range(90):
        case = log_case(world.cw, world.ir_ngo)
    # A shared case in the list too, so grants are part of the count.
    services.case_share(user=world.sup, case=case, agency=world.ir_police)
    large, large_rows = queries_for(client, API + "cases/?page_size=100")
    assert (small_rows, large_rows) in ((11, 100), (12, 100))
    assert small == large, (small, large)
    assert large <= 10


def test_the_identifications_and_notes_lists_cost_fixed_queries(world):
    from cases import services

    client = client_for(world.cw)
    services.case_note_add(user=world.cw, case=world.case_ir, text="one")
    queries_for(client, API + "cases/")  # warm the process-wide permission-id cache
    few = (
        queries_for(client, API + "identifications/")[0],
        queries_for(client, API + f"cases/{world.case_ir.reference}/notes/")[0],
    )
    for i in range(20):
        log_case(world.cw, world.ir_ngo)
        services.case_note_add(user=world.cw, case=world.case_ir, text=f"note {i}")
    many = (
        queries_for(client, API + "identifications/")[0],
        queries_for(client, API + f"cases/{world.case_ir.reference}/notes/")[0],
    )
    assert few == many

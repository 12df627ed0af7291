"""Unknown usernames and wrong passwords get the same answer: body, status and (roughly) timing.

Timing uses the production hasher (PBKDF2): Django's ModelBackend hashes the given password even
for an unknown username, so both take one hash. Medians of a few tries are compared with a
generous factor (no absolute times: the machine is shared).
"""

import re
import statistics
import time

from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

PBKDF2 = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def form_answer(username, password):
    response = Client().post("/login/", {"username": username, "password": password, "next": ""})
    body = CSRF.sub(b"CSRF", response.content).replace(username.encode(), b"USERNAME")
    return response.status_code, body


def api_answer(username, password):
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    return response.status_code, response.content


def test_the_form_gives_the_same_answer_for_unknown_user_and_wrong_password(world):
    wrong = form_answer("cw", "not the password at all")
    unknown = form_answer("ghost", "not the password at all")
    assert wrong[0] == unknown[0] == 200
    assert wrong[1] == unknown[1]
    assert b"Please enter a correct username and password" in wrong[1]


def test_the_form_gives_the_same_answer_for_inactive_accounts(world):
    from tests.conftest import make_user

    make_user("gone", world.ir_ngo, is_active=False)
    assert form_answer("gone", PASSWORD) == form_answer("ghost", PASSWORD)


def test_the_token_endpoint_gives_the_same_answer(world):
    wrong = api_answer("cw", "not the password at all")
    unknown = api_answer("ghost", "not the password at all")
    right_password_no_code = api_answer("cw", PASSWORD)  # MFA user without a code
    assert wrong == unknown == right_password_no_code
    assert wrong[0] == 400


def median_seconds(call, tries):
    times = []
    for _ in range(tries):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@override_settings(PASSWORD_HASHERS=PBKDF2, AXES_FAILURE_LIMIT=1000)
def test_unknown_users_and_wrong_passwords_take_the_same_time(world):
    world.cw.password = make_password(PASSWORD)  # with the production hasher
    world.cw.save(update_fields=["password"])
    form_answer("cw", "warm up the hasher")
    for answer in (form_answer, api_answer):
        wrong = median_seconds(lambda: answer("cw", "not the password at all"), 3)  # noqa: B023
        unknown = median_seconds(lambda: answer("ghost", "not the password at all"), 3)  # noqa: B023
        # Without the dummy hash an unknown user would answer in a fraction of the time.
        assert 1 / 3 < unknown / wrong < 3, (answer.__name__, wrong, unknown)

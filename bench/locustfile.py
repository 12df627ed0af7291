"""Virtual users of the load run (bench/load.py starts locust with this file; not meant to run alone).

Every virtual user has an account of its own (made by bench/load.py: password and an authenticator
whose key is in the config file) and signs in through the real forms: username and password, then
the 6-digit code (RFC 6238, computed here from the key). Then it works as its role does, with a
pause between tasks:

- caseworker: home, case list, name search (Latin and Persian), a case page, log an identification
  (the full form; "None of these" when the likely-duplicates panel comes back), refer one of the
  cases it logged (the consent first, then the referral form), notifications;
- service provider (one per agency, so no two answer the same referral): notifications, the
  incoming referrals, accept the first one waiting, a shared case;
- supervisor: the dashboard (/stats/, default and filtered), the case list, outgoing referrals;
- programme manager (regional or country scope): the dashboard with its filters, the pseudonymous
  case list.

Every request is checked: the status (GET 200; a form POST 302 to where it should land, read from
Location, redirects are never followed blindly), and for pages that the expected form or link is
there. Anything else is a failure. Each journey (several requests: e.g. form, post, duplicate
choice, landing page) is timed as a whole too and written to the file named in the config at the
end of the run.
"""

import datetime
import hashlib
import hmac
import json
import os
import random
import re
import struct
import time
from contextlib import contextmanager

from locust import HttpUser, between, events, task
from locust.exception import StopUser

with open(os.environ["GLO_ACT_LOAD_CONFIG"], encoding="utf-8") as _config:
    CONFIG = json.load(_config)
ACCOUNTS = {role: list(accounts) for role, accounts in CONFIG["accounts"].items()}
AGENCIES = {a["id"]: a for a in CONFIG["agencies"]}
NAMES = CONFIG["names"]
WAIT = CONFIG.get("wait", [1, 3])
JOURNEYS: list[dict] = []  # {"journey", "role", "ms", "ok", "at"} per journey run

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_LINK = re.compile(r'href="/cases/([A-Z]{2}-\d{4}-\d{6})/"')
WAITING = re.compile(  # a row of the incoming list waiting for an answer
    r'<tr class="[^"]*is-waiting[^"]*">\s*<td[^>]*><a class="case-ref" href="/referrals/(RF-\d{4}-\d+)/"'
)
DUPLICATES_TOKEN = re.compile(r'name="duplicates_token" value="([^"]*)"')
AGENCY_HIDDEN = re.compile(r'<input type="hidden" name="agency" value="(\d+)">')


# ------------------------------------------------------------------------------------------ TOTP


def totp(hex_key: str, at: float, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 (SHA-1), the code an authenticator app shows at time `at`."""
    counter = int(at // step)
    mac = hmac.new(bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


# ------------------------------------------------------------------------------------------ the run's record


REQUESTS: list[list] = []  # [name, ms, ok, finished at (epoch s), error] per request


@events.request.add_listener
def _record_request(request_type, name, response_time, response_length, exception=None, **_kwargs):
    error = "" if exception is None else str(exception)[:300]
    REQUESTS.append([name, round(response_time, 1), exception is None, time.time(), error])


@events.test_stop.add_listener
@events.quitting.add_listener
def _write_record(environment, **_kwargs):
    """The run's own record (exact times, not locust's rounded percentiles); written at the end of
    the test and again when locust quits, after the last user stopped."""
    path = CONFIG.get("journeys_out")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"journeys": JOURNEYS, "requests": REQUESTS}, f)


class Failed(Exception):
    """A check failed; the request is already marked as failed in locust's statistics."""


def today() -> str:
    return datetime.datetime.now(datetime.UTC).date().isoformat()


class GloActUser(HttpUser):
    abstract = True
    role = ""
    wait_time = between(*WAIT)

    # ------------------------------------------------------------------ requests, each checked

    def _check(self, response, expect: int, location: str | None, contains: str | None, name: str):
        if response.status_code != expect:
            where = response.headers.get("Location", "")
            if response.status_code == 0:  # no answer: the connection failed
                where = f"{type(response.error).__name__}: {response.error}"
            response.failure(f"{name}: {response.status_code} instead of {expect} {where}".strip())
            raise Failed(name)
        if location is not None:
            where = response.headers.get("Location", "")
            if not re.match(location, where):
                response.failure(f"{name}: redirected to {where!r}, expected {location!r}")
                raise Failed(name)
        if contains is not None and contains not in response.text:
            response.failure(f"{name}: the page lacks {contains!r}")
            raise Failed(name)
        response.success()

    def get(self, path, name, *, params=None, contains=None):
        with self.client.get(path, params=params, name=name, allow_redirects=False, catch_response=True) as r:
            self._check(r, 200, None, contains, name)
            return r

    def post(self, path, name, data, *, location, expect=302):
        with self.client.post(path, data=data, name=name, allow_redirects=False, catch_response=True) as r:
            self._check(r, expect, location if expect == 302 else None, None, name)
            return r

    def post_form(self, path, name, data):
        """A form POST that may come back (200) instead of redirecting: the caller decides."""
        with self.client.post(path, data=data, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code not in (200, 302):
                r.failure(f"{name}: {r.status_code} {r.error or ''}".strip())
                raise Failed(name)
            r.success()
            return r

    @staticmethod
    def csrf(response) -> str:
        match = CSRF.search(response.text)
        if not match:
            raise Failed("no CSRF token on the page")
        return match.group(1)

    @contextmanager
    def journey(self, name):
        """Time a journey (its requests, not the pause after it); the caller may rename it (record["journey"])."""
        started = time.perf_counter()
        record = {"journey": name, "role": self.role, "at": time.time(), "ok": False}
        try:
            yield record
            record["ok"] = True
        except Failed:
            pass
        finally:
            record["ms"] = round((time.perf_counter() - started) * 1000, 1)
            JOURNEYS.append(record)

    # ------------------------------------------------------------------ sign-in

    def on_start(self):
        if not ACCOUNTS.get(self.role):
            raise StopUser()
        self.account = ACCOUNTS[self.role].pop(0)
        # A connection per request, as a reverse proxy such as nginx talks to gunicorn by default.
        # With keep-alive, gunicorn closes a connection idle for 2 s (its --keep-alive) while the
        # user, after a 1-3 s pause, may be sending on it: "connection reset by peer", which a
        # browser retries silently and `requests` does not.
        self.client.headers["Connection"] = "close"
        self.agency = AGENCIES.get(self.account.get("agency_id"))
        self.rng = random.Random(self.account["username"])
        with self.journey("sign in (password, then code)") as record:
            page = self.get("/login/", "GET /login/", contains='name="username"')
            step = self.post(
                "/login/",
                "POST /login/ (password)",
                {"csrfmiddlewaretoken": self.csrf(page), "username": self.account["username"],
                 "password": CONFIG["password"], "next": ""},
                location=r"^/account/mfa/verify/",
            ).headers["Location"]  # fmt: skip
            page = self.get(step, "GET /account/mfa/verify/", contains='name="otp"')
            self.post(
                step,
                "POST /account/mfa/verify/ (code)",
                {"csrfmiddlewaretoken": self.csrf(page), "otp": totp(self.account["totp_key"], time.time())},
                location=r"^/$",
            )
            self.get("/", "GET / (home)")
        if not record["ok"]:
            raise StopUser()

    # ------------------------------------------------------------------ shared pages

    def name_pair(self):
        pool = NAMES.get((self.agency or {}).get("country", "IR")) or NAMES["IR"]
        family = self.rng.choice(pool["family"])
        given = self.rng.choice(pool["male"] + pool["female"])
        return given, family

    def case_list(self, name="GET /cases/", params=None):
        page = self.get("/cases/", name, params=params)
        return CASE_LINK.findall(page.text)

    def simple(self, journey, path, name, params=None, contains=None):
        with self.journey(journey):
            self.get(path, name, params=params, contains=contains)


class Caseworker(GloActUser):
    role = "caseworker"
    fixed_count = CONFIG["counts"]["caseworker"]

    def on_start(self):
        super().on_start()
        self.seen_cases: list[str] = []
        self.my_cases: list[str] = []  # logged during the run, not referred yet
        self.logged: list[dict] = []  # the persons this caseworker logged

    @task(2)
    def home(self):
        self.simple("home", "/", "GET / (home)")

    @task(3)
    def cases(self):
        with self.journey("case list"):
            self.seen_cases = self.case_list() or self.seen_cases

    @task(2)
    def search_latin(self):
        given, family = self.name_pair()
        with self.journey("search by name (Latin)") as record:
            query = self.rng.choice([family[1], f"{given[1]} {family[1]}"])
            record["hits"] = len(self.case_list("GET /cases/?q=<Latin name>", {"q": query}))

    @task(2)
    def search_persian(self):
        given, family = self.name_pair()
        with self.journey("search by name (Persian script)") as record:
            query = self.rng.choice([family[0], f"{given[0]} {family[0]}"])
            record["hits"] = len(self.case_list("GET /cases/?q=<Persian name>", {"q": query}))

    @task(3)
    def case_page(self):
        if not self.seen_cases:
            return self.cases()
        reference = self.rng.choice(self.seen_cases)
        self.simple("case page", f"/cases/{reference}/", "GET /cases/<ref>/", contains='id="consents"')

    @task(1)
    def notifications(self):
        self.simple("notifications", "/notifications/", "GET /notifications/")

    @task(3)
    def log_identification(self):
        with self.journey("log identification") as record:
            form = self.get("/cases/new/", "GET /cases/new/ (form)", contains='name="duplicates_token"')
            if AGENCY_HIDDEN.findall(form.text) != [str(self.account["agency_id"])]:
                raise Failed("the form does not offer the caseworker's agency")
            data = self.identification_data()
            data["csrfmiddlewaretoken"] = self.csrf(form)
            data["agency"] = str(self.account["agency_id"])
            data["duplicates_token"] = ""
            response = self.post_form("/cases/new/", "POST /cases/new/", data)
            if response.status_code == 200:
                token = DUPLICATES_TOKEN.search(response.text)
                if 'name="duplicate_decision"' not in response.text or not token or not token.group(1):
                    response.failure("POST /cases/new/: the form came back without the duplicates panel (errors?)")
                    raise Failed("identification form errors")
                record["journey"] = "log identification (with the duplicates panel)"
                data.update(duplicates_token=token.group(1), duplicate_decision="new",
                            csrfmiddlewaretoken=self.csrf(response))  # fmt: skip
                response = self.post(
                    "/cases/new/", "POST /cases/new/ (None of these)", data, location=r"^/cases/[A-Z]{2}-\d{4}-\d{6}/$"
                )
            elif not re.match(r"^/cases/[A-Z]{2}-\d{4}-\d{6}/$", response.headers.get("Location", "")):
                raise Failed("identification: unexpected redirect")
            reference = response.headers["Location"].strip("/").split("/")[-1]
            self.get(f"/cases/{reference}/", "GET /cases/<ref>/ (after saving)", contains=reference)
            self.my_cases.append(reference)

    def identification_data(self) -> dict:
        """The full form. One time in five the person is one this caseworker logged before (same
        names, sex, age and citizenship): the likely-duplicates panel must come back."""
        rng = self.rng
        if self.logged and rng.random() < 0.2:
            return dict(rng.choice(self.logged))
        given, family = self.name_pair()
        country = self.agency["country"]
        provinces = CONFIG["provinces"].get(country) or [""]
        kind = rng.choice(["child", "child", "adult", "migrant"])
        data = {
            "given_name": given[0], "family_name": family[0], "given_name_latin": given[1],
            "family_name_latin": family[1], "gender": rng.choice(["Masculine", "Feminine"]),
            "citizenships": [rng.choice(["AF", "AF", "IR", "PK"])], "languages": [rng.choice(["fa", "prs", "ps"])],
            "vulnerabilities": ["Poverty", "Migration"], "identified_on": today(), "country": country,
            "province": str(rng.choice(provinces)), "place": "Load test site (synthetic)",
        }  # fmt: skip
        if kind == "child":
            data.update(
                estimated_age=str(rng.randint(8, 16)), context="Street", exploitation_types=["ForcedBegging"],
                trafficking_status="PossibleVictimOfTrafficking",
                narrative="Synthetic load-test record: begging at a crossing, sent by an older man.",
            )  # fmt: skip
        elif kind == "adult":
            data.update(
                estimated_age=str(rng.randint(19, 45)), context="Worksite", acts=["Recruitment", "Transportation"],
                means=["Deception"], purposes=["ForcedLabourOrServices"], exploitation_types=["ForcedLabour"],
                forced_labour_industry="F_Construction", trafficking_status="ActualVictimOfTrafficking",
                status_decided_by="NGO", status_decided_on=today(),
                narrative="Synthetic load-test record: recruited for building work that was never paid.",
            )  # fmt: skip
        else:
            data.update(
                estimated_age=str(rng.randint(18, 35)), context="BorderCrossing", is_smuggled_migrant="on",
                trafficking_status="Screened", narrative="Synthetic load-test record: found at a border crossing.",
            )  # fmt: skip
        self.logged.append(data)
        return dict(data)

    @task(2)
    def refer(self):
        if not self.my_cases:
            return self.log_identification()
        country, own = self.agency["country"], self.agency["id"]
        targets = [a for a in AGENCIES.values() if a["country"] == country and a["id"] != own]
        if not targets:
            return None
        reference = self.my_cases.pop(0)
        target = self.rng.choice(targets)
        services = self.rng.sample(target["services"], k=min(len(target["services"]), self.rng.choice([1, 1, 2])))
        with self.journey("refer a case (consent, then referral)"):
            case = self.get(f"/cases/{reference}/", "GET /cases/<ref>/", contains='id="consents"')
            self.post(
                f"/cases/{reference}/consents/",
                "POST /cases/<ref>/consents/",
                {"csrfmiddlewaretoken": self.csrf(case), "purpose": "NationalReferral", "granted": "yes",
                 "given_by": "Guardian", "guardian_name": "Load test guardian (synthetic)", "given_on": today(),
                 "notes": ""},
                location=rf"^/cases/{reference}/#consents$",
            )  # fmt: skip
            form = self.get(f"/cases/{reference}/refer/", "GET /cases/<ref>/refer/", contains=f'value="{target["id"]}"')
            self.post(
                f"/cases/{reference}/refer/",
                "POST /cases/<ref>/refer/",
                {"csrfmiddlewaretoken": self.csrf(form), "to_country": self.agency["country"], "services": services,
                 "to_agency": str(target["id"]), "reason": "AdditionalServicesRequired",
                 "urgency": self.rng.choice(["routine", "routine", "urgent"]),
                 "message": "Synthetic load-test referral."},
                location=r"^/referrals/RF-\d{4}-\d+/$",
            )  # fmt: skip


class ServiceProvider(GloActUser):
    role = "service_provider"
    fixed_count = CONFIG["counts"]["service_provider"]

    def on_start(self):
        super().on_start()
        self.shared_cases: list[str] = []

    @task(2)
    def notifications(self):
        self.simple("notifications", "/notifications/", "GET /notifications/")

    @task(1)
    def home(self):
        self.simple("home", "/", "GET / (home)")

    @task(4)
    def accept(self):
        with self.journey("accept a referral") as record:
            page = self.get("/referrals/", "GET /referrals/?tab=incoming", params={"tab": "incoming"})
            waiting = WAITING.findall(page.text)
            if not waiting:
                record["journey"] = "incoming referrals (none waiting)"
                return
            reference = waiting[0]
            detail = self.get(
                f"/referrals/{reference}/", "GET /referrals/<ref>/", contains=f'action="/referrals/{reference}/accept/"'
            )
            self.post(
                f"/referrals/{reference}/accept/",
                "POST /referrals/<ref>/accept/",
                {"csrfmiddlewaretoken": self.csrf(detail)},
                location=rf"^/referrals/{reference}/$",
            )
            page = self.get(f"/referrals/{reference}/", "GET /referrals/<ref>/ (after accepting)", contains=reference)
            self.shared_cases += CASE_LINK.findall(page.text)[:1]

    @task(1)
    def shared_case(self):
        if not self.shared_cases:
            return self.notifications()
        reference = self.rng.choice(self.shared_cases)
        self.simple("case page (shared)", f"/cases/{reference}/", "GET /cases/<ref>/ (shared)")
        return None


class Supervisor(GloActUser):
    role = "supervisor"
    fixed_count = CONFIG["counts"]["supervisor"]

    @task(3)
    def dashboard(self):
        self.simple("dashboard", "/stats/", "GET /stats/")

    @task(1)
    def dashboard_months(self):
        now = datetime.datetime.now(datetime.UTC).date()
        start = (now.replace(day=1) - datetime.timedelta(days=150)).strftime("%Y-%m")
        params = {"from": start, "to": now.strftime("%Y-%m")}
        self.simple("dashboard (filtered)", "/stats/", "GET /stats/?from&to", params=params)

    @task(2)
    def cases(self):
        self.simple("case list", "/cases/", "GET /cases/")

    @task(1)
    def outgoing(self):
        self.simple("referrals (outgoing)", "/referrals/", "GET /referrals/?tab=outgoing", params={"tab": "outgoing"})


class Manager(GloActUser):
    role = "manager"
    fixed_count = CONFIG["counts"]["manager"]

    @task(3)
    def dashboard(self):
        self.simple("dashboard", "/stats/", "GET /stats/")

    @task(2)
    def dashboard_country(self):
        params = {"country": self.rng.choice(["IR", "AF", "PK", "IQ"])}
        self.simple("dashboard (filtered)", "/stats/", "GET /stats/?country", params=params)

    @task(1)
    def dashboard_exploitation(self):
        params = {"exploitation_type": self.rng.choice(["ForcedLabour", "ForcedBegging", "SexualExploitation"])}
        self.simple("dashboard (filtered)", "/stats/", "GET /stats/?exploitation_type", params=params)

    @task(1)
    def cases(self):
        self.simple("case list (pseudonymous)", "/cases/", "GET /cases/")

"""The load test's people: the four roles' daily actions, run by loadtest/run.py (locust,
headless). Each simulated person signs in through the real login form (with its CSRF
token) as the demo account of its role, then works in a loop:

- LEA lead and member: the workspace, an activity, and autosaves of that activity as
  static/js/autosave.js sends them (the whole form, its version token, Accept:
  application/json, X-CSRFToken), taking the version each save returns;
- SELPA reviewer: the review queue and a submission; the first reviewers also decide one
  (approve, confirmed) and undo it, so the submission waits again;
- CDE administrator: the status grid, and its CSV export;
- reviewers and the administrator, now and then: ask for a submission's PDF (rendered
  by the Celery worker) and its state;
- everyone: the trivial signed-in page, whose throughput the runner prints.

The plan (accounts, ids) comes from loadtest/seed.py through LOADTEST_PLAN.
"""

import itertools
import json
import os
import random
import re
from html.parser import HTMLParser
from typing import Any

from locust import HttpUser, between, task

PLAN: dict[str, Any] = json.loads(open(os.environ["LOADTEST_PLAN"]).read())  # noqa: SIM115
TRIVIAL_PAGE = "/password/change/done/"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ACTIVITY_LINK = re.compile(r'href="(/engagements/\d+/activities/[\w-]+/)"')
_deciders = itertools.count()


class AutosaveForm(HTMLParser):
    """The fields of form[data-autosave] on an activity page, as FormData would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.found = False
        self.action = ""
        self.fields: dict[str, str] = {}
        self.texts: list[str] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "data-autosave" in a:
            self.inside = self.found = True
            self.action = a.get("action", "")
        elif self.inside and tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") not in ("submit", "button", "file"):
                self.fields[a["name"]] = a.get("value", "")
        elif self.inside and tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.fields[a["name"]] = ""
            self.texts.append(a["name"])

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    role = ""

    def on_start(self) -> None:
        page = self.client.get("/login/", name="login page")
        token = CSRF_INPUT.search(page.text)
        assert token, "no CSRF token on the login page"
        with self.client.post(
            "/login/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": PLAN["users"][self.role],
                "password": PLAN["password"],
            },
            name="login (POST)",
            catch_response=True,
        ) as response:
            if "/login/" in response.url:
                response.failure(f"{self.role} could not sign in")

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken") or ""

    @task(1)
    def trivial_page(self) -> None:
        self.client.get(TRIVIAL_PAGE, name="trivial page")

    def pdf(self) -> None:
        """Ask for a submission's PDF and its state: by those who may read the seeded
        submissions (the SELPA reviewer, CDE); the Riverbend team gets 404 for them."""
        submission = random.choice(PLAN["submissions"])  # noqa: S311
        base = f"/submissions/{submission['id']}/versions/{submission['version']}/pdf"
        self.client.post(
            f"{base}/render/", headers={"X-CSRFToken": self.csrf()}, name="PDF request"
        )
        self.client.get(f"{base}/status/", name="PDF status")


class LeaPerson(Person):
    abstract = True

    def on_start(self) -> None:
        super().on_start()
        workspace = self.client.get(f"/engagements/{PLAN['engagement']}/", name="workspace")
        self.activities = sorted(set(ACTIVITY_LINK.findall(workspace.text))) or [""]
        self.form: AutosaveForm | None = None

    @task(3)
    def workspace(self) -> None:
        self.client.get(f"/engagements/{PLAN['engagement']}/", name="workspace")

    @task(3)
    def activity(self) -> None:
        path = random.choice(self.activities)  # noqa: S311
        page = self.client.get(path, name="activity page")
        form = AutosaveForm()
        form.feed(page.text)
        self.form = form if form.found and form.texts else self.form

    @task(6)
    def autosave(self) -> None:
        if self.form is None:
            self.activity()
            return
        form = self.form
        box = random.choice(form.texts)  # noqa: S311
        form.fields[box] = f"{form.fields[box][:200]} typed {random.randint(0, 9999)}"  # noqa: S311
        with self.client.post(
            form.action,
            data=form.fields,
            headers={"Accept": "application/json", "X-CSRFToken": self.csrf()},
            name="autosave",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"autosave answered {response.status_code}")
                return
            result = response.json()
            if "version" in result:
                form.fields["version"] = str(result["version"])
            # As autosave.js does when nobody else typed in between: the saved text
            # and its fingerprint become the base of the next save.
            for name, field in (result.get("fields") or {}).items():
                form.fields[name] = field["value"]
                form.fields[f"base-{name}"] = field["base"]


class Lead(LeaPerson):
    role = "lead"
    weight = 3


class Member(LeaPerson):
    role = "member"
    weight = 3


class Reviewer(Person):
    role = "reviewer"
    weight = 2

    def on_start(self) -> None:
        super().on_start()
        # One decider per submission, so two people never decide the same one at once.
        n = next(_deciders)
        self.decides = PLAN["submissions"][n] if n < len(PLAN["submissions"]) else None

    @task(3)
    def queue(self) -> None:
        self.client.get("/reviews/", name="review queue")

    @task(3)
    def submission(self) -> None:
        submission = random.choice(PLAN["submissions"])  # noqa: S311
        self.client.get(f"/submissions/{submission['id']}/", name="submission page")

    @task(1)
    def ask_for_a_pdf(self) -> None:
        self.pdf()

    @task(1)
    def decide_and_undo(self) -> None:
        if self.decides is None:
            return
        url = f"/submissions/{self.decides['id']}/"
        version = str(self.decides["version"])
        data = {"version": version, "decision": "approved", "summary": "", "confirm": "1"}
        headers = {"X-CSRFToken": self.csrf()}
        self.client.post(f"{url}decide/", data=data, headers=headers, name="decide")
        self.client.post(f"{url}undo/", data={"version": version}, headers=headers, name="undo")


class Admin(Person):
    role = "admin"
    weight = 1

    @task(3)
    def grid(self) -> None:
        self.client.get("/status/grid/", name="status grid")

    @task(1)
    def ask_for_a_pdf(self) -> None:
        self.pdf()

    @task(1)
    def export(self) -> None:
        self.client.get("/status/grid.csv", name="status grid CSV export")

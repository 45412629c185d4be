"""Seeds the load test's throw-away database (after migrate, load_catalog and seed_demo)
and writes the plan the locustfile reads: who signs in as which role, and the ids of
the things each role's actions touch.

Two Step 1 submissions wait for the demo SELPA reviewer (Oak Hollow, Targeted Level 1;
Summit Ridge, Targeted Level 2), made through the services as the submission tests make
them (tests/steps/ready.py fills Step 1), so reviewers have a queue, a submission to read,
decide and undo, and a version to ask a PDF of. Run by loadtest/run.py:

    DATABASE_URL=postgres://.../cim_load python -m loadtest.seed plan.json
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cim.settings")

import django

django.setup()

from lea import services as lea_services  # noqa: E402
from lea.models import Organization, Role, User  # noqa: E402
from steps import services  # noqa: E402
from steps.management.commands.seed_demo import DEMO_PASSWORD, PEOPLE  # noqa: E402
from steps.models import Engagement  # noqa: E402
from tests.steps.ready import make_ready  # noqa: E402

# The LEAs whose Step 1 goes to the demo SELPA reviewer, and their seeded leads.
SELPA_ROUTED = (("3400002", "lead2@lea.example.org"), ("34000030000001", "lead3@lea.example.org"))


def _lead(email: str, lea: Organization) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = lea_services.user_create(
            actor=None, email=email, full_name=email.split("@")[0], password=DEMO_PASSWORD
        )
        lea_services.membership_create(actor=None, user=user, organization=lea, role=Role.LEA_LEAD)
    return user


def seed() -> dict[str, object]:
    submissions = []
    for code, email in SELPA_ROUTED:
        engagement = Engagement.objects.select_related("lea", "cohort", "determination").get(
            lea__code=code
        )
        lead = _lead(email, engagement.lea)
        existing = engagement.submissions.filter(step=1).first()
        if existing is None:
            make_ready(engagement, 1, actor=lead)
            version = services.submission_submit(
                actor=lead, engagement=engagement, step=1, confirmation_name=lead.display_name
            )
            submission_id, number = version.submission_id, version.number
        else:
            submission_id, number = existing.pk, existing.current_version
        submissions.append({"id": submission_id, "version": number})
    riverbend = Engagement.objects.get(lea__code="3400001")
    by_role = {role: email for email, _, role, _ in PEOPLE}
    return {
        "password": DEMO_PASSWORD,
        "users": {
            "lead": by_role[Role.LEA_LEAD],
            "member": by_role[Role.LEA_MEMBER],
            "reviewer": by_role[Role.SELPA_REVIEWER],
            "admin": by_role[Role.CDE_ADMIN],
        },
        "engagement": riverbend.pk,
        "submissions": submissions,
    }


if __name__ == "__main__":
    plan = seed()
    Path(sys.argv[1]).write_text(json.dumps(plan, indent=2))
    print(f"seeded: {plan}")

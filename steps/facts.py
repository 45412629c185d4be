"""The recorded facts of an LEA's year (cim Determination), as its workspace shows them:
in words, with who recorded them, and with a form for the person who may record them.
Only the facts that decide a catalog condition at the LEA's level are shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format

from cim.models import ActivityRequirement, Determination
from lea.models import User
from steps import access
from steps.forms import RecordedFactForm
from steps.models import Engagement

SELPA_REPORTS = "selpa_requires_progress_reports"
SRR_FINDING = "srr_final_finding_of_noncompliance"


@dataclass(frozen=True)
class FactSpec:
    key: str  # the Determination field and the catalog condition of the same name
    url_name: str
    question: str
    words: Callable[[Engagement], dict[bool | None, str]]
    may_record: Callable[[User, Engagement], bool]


def _selpa_words(engagement: Engagement) -> dict[bool | None, str]:
    selpa = engagement.lea.selpa.name if engagement.lea.selpa else "Your SELPA"
    return {
        True: f"Your SELPA ({selpa}) requires progress reports",
        False: f"Your SELPA ({selpa}) does not require progress reports",
        None: f"Your SELPA ({selpa}) has not yet said whether it requires progress reports",
    }


def _srr_words(engagement: Engagement) -> dict[bool | None, str]:
    return {
        True: "CDE issued a final Student Record Review finding of noncompliance",
        False: "CDE issued no final Student Record Review finding of noncompliance",
        None: "CDE has not yet recorded whether it issued a final Student Record Review "
        "finding of noncompliance",
    }


SPECS = (
    FactSpec(
        SELPA_REPORTS,
        "determination_selpa_reports",
        "Does the SELPA require Step 4 progress reports from this LEA?",
        _selpa_words,
        access.may_record_selpa_requires_reports,
    ),
    FactSpec(
        SRR_FINDING,
        "determination_srr_finding",
        "Did CDE issue this LEA a final Student Record Review finding of noncompliance?",
        _srr_words,
        access.may_record_srr_finding,
    ),
)
SPECS_BY_KEY = {spec.key: spec for spec in SPECS}


@dataclass(frozen=True)
class FactView:
    spec: FactSpec
    sentence: str
    form: RecordedFactForm | None  # only for the person who may record it


def recorded_by(determination: Determination, key: str) -> str:
    """ "(recorded by Jordan Reviewer on December 7, 2026)", or "" before anyone did."""
    who: User | None = getattr(determination, f"{key}_by")
    when: datetime | None = getattr(determination, f"{key}_at")
    if when is None:
        return ""
    name = who.display_name if who else "a former user"
    return f"(recorded by {name} on {date_format(timezone.localdate(when), 'F j, Y')})"


def facts_for(*, engagement: Engagement, user: User) -> list[FactView]:
    """The facts that decide one of the engagement's activities at its level."""
    determination = engagement.determination
    if determination.level is None:  # Universal: no cohort, no conditions
        return []
    used = set(
        ActivityRequirement.objects.filter(
            activity__cohort_id=engagement.cohort_id,
            level=determination.level,
            condition__in=SPECS_BY_KEY,
        ).values_list("condition", flat=True)
    )
    views = []
    for spec in SPECS:
        if spec.key not in used:
            continue
        value: bool | None = getattr(determination, spec.key)
        recorded = recorded_by(determination, spec.key)
        sentence = f"{spec.words(engagement)[value]}{' ' if recorded else ''}{recorded}."
        form = None
        if spec.may_record(user, engagement):
            initial = {True: "yes", False: "no", None: ""}[value]
            form = RecordedFactForm(
                initial={"value": initial}, question=spec.question, prefix=spec.key
            )
        views.append(FactView(spec, sentence, form))
    return views

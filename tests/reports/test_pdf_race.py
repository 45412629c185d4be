"""A render task delivered again while the first still draws the PDF leaves it alone: the
PDF is drawn once, and the first worker stores it."""

from __future__ import annotations

import pytest

from cim.models import Cohort
from lea.models import AuditEvent
from reports import tasks
from reports.models import RenderedPdf
from reports.services import pdf as services_pdf
from steps import services
from tests.conftest import World
from tests.redelivery import run_twice_at_once
from tests.steps.engagements import start
from tests.steps.ready import make_ready


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_draws_a_pdf_once_when_its_task_comes_twice_at_once(
    world: World, cohorts: dict[str, Cohort], monkeypatch: pytest.MonkeyPatch
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=2)
    make_ready(engagement, 1, actor=world.lea_lead)
    version = services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1, confirmation_name="Casey Lead"
    )
    rendered = RenderedPdf.objects.create(version=version, requested_by=world.lea_lead)
    draws = run_twice_at_once(
        monkeypatch,
        task=lambda: tasks.render_pdf(rendered.pk),
        slow_part=(services_pdf, "render_version_pdf"),
        does=lambda version: b"%PDF-1.7 drawn once",
    )

    rendered.refresh_from_db()
    assert draws == [1]
    assert (rendered.status, rendered.attempts) == (RenderedPdf.Status.DONE, 1)
    assert bytes(rendered.content) == b"%PDF-1.7 drawn once"
    verbs = AuditEvent.objects.filter(verb__startswith="pdf.").order_by("pk")
    assert list(verbs.values_list("verb", flat=True)) == ["pdf.rendering", "pdf.done"]

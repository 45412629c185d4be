"""An Intensive LEA's pages speak of its own tier and mailbox: no Targeted wording
(TargetedMonitoring, Targeted box texts) reaches them, except the marker on what the
Intensive catalog infers from the Targeted guidance."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from steps.models import Engagement
from steps.workspace import INFERRED_WORDS
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("level", [1, 2, 3])
def test_it_shows_no_targeted_wording_to_an_intensive_lea(world: World, level: int) -> None:
    engagement: Engagement = start(world.lea, load_2024()["intensive"], level=level)
    client = signed_in(world.lea_lead)
    urls = [reverse("engagement_workspace", args=[engagement.pk])]
    urls += [
        reverse("activity_detail", args=[engagement.pk, record.definition.key])
        for record in engagement.records.select_related("definition")
    ]
    urls += [reverse("step_submit", args=[engagement.pk, step]) for step in (1, 2, 3)]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "TargetedMonitoring" not in response.content.decode(), url
        words = " ".join(unescape(strip_tags(response.content.decode())).split())
        # The marker, as a sentence or within one, is the one Targeted wording intended.
        text = re.sub(re.escape(INFERRED_WORDS), "", words, flags=re.IGNORECASE)
        assert "TargetedMonitoring" not in text, url
        assert "Targeted" not in text, (url, text[text.find("Targeted") - 200 :][:400])

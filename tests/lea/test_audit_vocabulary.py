"""The audit trail speaks a fixed vocabulary (lea.models.AuditVerb), shown in words."""

import pytest

from lea import services
from lea.models import AuditEvent, AuditVerb
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_an_unknown_verb_is_refused_and_nothing_is_recorded(world: World) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ValueError, match="not an audit verb"):
        services.audit(actor=world.cde_admin, verb="activity.sneak")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not an audit verb"):
        services.audit_event(actor=world.cde_admin, verb="test.change")  # type: ignore[arg-type]
    assert AuditEvent.objects.count() == before


def test_every_verb_has_a_label_in_words() -> None:
    for verb in AuditVerb:
        assert verb.label != verb.value
        assert "." not in verb.label
        assert "_" not in verb.label
        assert verb.label[0].isupper()


def test_an_event_reads_as_its_label(world: World) -> None:
    event = services.audit(actor=world.cde_admin, verb=AuditVerb.MFA_RESET, target=world.lea_lead)
    assert event.get_verb_display() == "Two-step sign-in reset"
    assert "mfa.reset" not in str(event)

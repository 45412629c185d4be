"""A page's access-record row, written outside any transaction as a page view writes it:
one statement, committed, with every column in place (lea/services_access_records.py)."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from cim.models import Cohort
from lea import services_access_records
from lea.models import AccessRecord
from tests.conftest import World
from tests.steps.engagements import start


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_read_outside_a_transaction_is_one_committed_statement(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=2)
    request = RequestFactory().get(f"/engagements/{engagement.pk}/?tab=steps")
    request.META["REMOTE_ADDR"] = "192.0.2.44"
    request.user = world.lea_lead
    assert not connection.in_atomic_block

    with CaptureQueriesContext(connection) as queries:
        services_access_records.record_read(
            request,
            kind=AccessRecord.Kind.WORKSPACE,
            lea_id=world.lea.pk,
            object_id=engagement.pk,
            description="Targeted 2024",
        )

    assert len(queries.captured_queries) == 1
    row = AccessRecord.objects.get()
    assert (row.user, row.organization, row.kind) == (
        world.lea_lead, world.lea, AccessRecord.Kind.WORKSPACE,
    )  # fmt: skip
    assert (row.object_id, row.object_repr) == (str(engagement.pk), "Targeted 2024")
    assert (row.path, row.client_address) == (
        f"/engagements/{engagement.pk}/?tab=steps",
        "192.0.2.44",
    )
    assert row.at is not None

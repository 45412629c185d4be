from __future__ import annotations

from django.test import Client

from cim.models import ActivityDefinition, MonitoringYear
from lea.models import AuditEvent, AuditVerb


def test_it_lists_and_filters_inferred_catalog_facts(admin_client: Client, cohorts: dict) -> None:
    response = admin_client.get("/admin/cim/activitydefinition/", {"inferred__exact": "1"})

    assert response.status_code == 200
    shown = {definition.pk for definition in response.context["cl"].result_list}
    assert shown == set(
        ActivityDefinition.objects.filter(inferred=True).values_list("pk", flat=True)
    )
    assert all(
        definition.cohort.key == "intensive_2024"
        for definition in response.context["cl"].result_list
    )


def test_it_audits_a_catalog_edit(admin_client: Client, cohorts: dict) -> None:
    year = MonitoringYear.objects.get(year=2024)

    response = admin_client.post(
        f"/admin/cim/monitoringyear/{year.pk}/change/", {"year": 2024, "adl_sent_on": "2024-03-15"}
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(verb=AuditVerb.CATALOG_CHANGE)
    assert event.target == year
    assert event.changes == {"adl_sent_on": [None, "2024-03-15"]}


def test_it_audits_each_object_of_a_delete_selected(admin_client: Client, cohorts: dict) -> None:
    spare = [MonitoringYear.objects.create(year=year) for year in (2031, 2032)]

    response = admin_client.post(
        "/admin/cim/monitoringyear/",
        {
            "action": "delete_selected",
            "_selected_action": [year.pk for year in spare],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert not MonitoringYear.objects.filter(year__in=(2031, 2032)).exists()
    deleted = AuditEvent.objects.filter(verb=AuditVerb.CATALOG_DELETE)
    assert sorted(deleted.values_list("object_repr", flat=True)) == ["2031", "2032"]

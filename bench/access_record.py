"""Benchmark of the access record (issue 13), run by `make bench` (never by the test suite).

In a throw-away database (test_<name>_reads): the 2024 catalog and one LEA in Targeted
Level 3 with its lead. Times, with Django's test Client, the activity page with its
access-record row and without it (the row's write swapped for nothing), fetched in turn
so both see the same load on a shared machine, and the write alone. The goal: the row
adds at most 1 ms to the median page.
"""

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings
from django.test import Client
from django.urls import reverse

from bench.common import throwaway_database
from lea import services_access_records
from lea.models import AccessRecord

RUNS = 200
GOAL_MS = 1.0


def _timed(fetch: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fetch()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with throwaway_database("reads"):
        from lea.models import Role
        from tests.cim.catalog import load_2024
        from tests.lea import factories
        from tests.steps.engagements import start

        cohort = load_2024()["targeted"]
        lea = factories.lea(selpa=factories.selpa())
        lead = factories.member(lea, Role.LEA_LEAD)
        engagement = start(lea, cohort, level=3)
        key = engagement.records.order_by("pk").values_list("definition__key", flat=True)[0]
        url = reverse("activity_detail", args=[engagement.pk, key])
        client = Client()
        client.force_login(lead)

        def page() -> None:
            assert client.get(url).status_code == 200

        append = services_access_records.access_record_append

        def page_without_row() -> None:
            services_access_records.access_record_append = lambda **kwargs: None  # type: ignore[assignment]
            try:
                page()
            finally:
                services_access_records.access_record_append = append

        page()
        page_without_row()
        with_row, without_row = [], []
        for _ in range(RUNS):
            with_row.append(_timed(page))
            without_row.append(_timed(page_without_row))
        inserts = [
            _timed(
                lambda: append(
                    actor=lead,
                    kind=AccessRecord.Kind.ACTIVITY,
                    lea_ids=[lea.pk],
                    object_id="1",
                    description="Parent Input",
                    path=url,
                    client_address="192.0.2.1",
                )
            )
            for _ in range(RUNS)
        ]
        median_with, median_without = statistics.median(with_row), statistics.median(without_row)
        added = median_with - median_without
        print(f"{'activity page':<44}{'median ms':>10}")
        print(f"{'  with its access-record row':<44}{median_with:>10.2f}")
        print(f"{'  without it':<44}{median_without:>10.2f}")
        print(f"{'  added by the row':<44}{added:>10.2f}")
        print(f"{'the row alone (one INSERT)':<44}{statistics.median(inserts):>10.2f}")
        verdict = "within" if added <= GOAL_MS else "OVER"
        print(f"{verdict} the goal of {GOAL_MS:.0f} ms added to the median page")


if __name__ == "__main__":
    main()

"""Benchmark of the PDF renderer, run by `make bench` (never by the test suite).

In a throw-away database (test_<name>_pdf): the 2024 catalog, an LEA in Step 4 whose Plan
for Improvement has three strategies with three activities and two measurable outcomes
each (two benchmarks per outcome), made and approved through the real services; its first
progress report submitted, then its second (so every chart carries the values measured
over two periods). Then renders the second report's PDF 100 times, as the worker does
(`reports.pdf.render_version_pdf`: the version read from the database, the template, and
WeasyPrint with the vendored fonts), and prints the median, 90th percentile and slowest
seconds per PDF, its pages and size. Goal: a median under 1 s. A Step 3 plan's PDF (no
charts) is timed the same way for comparison.
"""

import io
import logging
import os
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.utils import timezone

from bench.common import throwaway_database
from lea.models import User
from steps.models import Engagement

RUNS = 100
GOAL = 1.0
STRATEGIES = 3
ACTIVITIES = 3
OUTCOMES = 2


def _grow_plan(engagement: Engagement, actor: User) -> None:
    """The plan make_ready leaves (one strategy, activity and outcome), grown to a size
    an LEA's plan has: STRATEGIES strategies, each with ACTIVITIES activities and OUTCOMES
    outcomes of two benchmarks, through the plan's own services."""
    from steps.access import problems_of_practice_for_record, strategies_for_record
    from steps.merge import version_token
    from steps.models import ActivityRecord
    from steps.parts import plan
    from steps.services.part_rows import part_row_add

    record = ActivityRecord.objects.get(engagement=engagement, definition__parts__contains=["plan"])

    def version() -> str:
        return version_token(ActivityRecord.objects.get(pk=record.pk))

    today = timezone.localdate()
    for number in range(2, STRATEGIES + 1):
        part_row_add(
            rows=plan.STRATEGIES,
            actor=actor, record=record, version=version(),
            title=f"Strategy {number}: universal screening and tiered reading support",
            description="Grade-level teams review screening data every six weeks.",
            problems_of_practice=problems_of_practice_for_record(record),
        )  # fmt: skip
    for strategy in strategies_for_record(record).prefetch_related("activities", "outcomes"):
        for number in range(len(strategy.activities.all()), ACTIVITIES):
            part_row_add(
                rows=plan.ACTIVITIES,
                actor=actor, record=record, strategy=strategy, version=version(),
                description=f"Activity {number + 1}: coaching cycles for grade 3-5 teams, "
                "with a shared planning protocol and monthly walkthroughs",
                start_date=today, end_date=today + timedelta(days=120 * (number + 1)),
                persons_responsible="Director of special education; site principals",
                resources="Title I funds; county office coaches",
            )  # fmt: skip
        for number in range(len(strategy.outcomes.all()), OUTCOMES):
            outcome = part_row_add(
                rows=plan.OUTCOMES,
                actor=actor, record=record, strategy=strategy, version=version(),
                measure=f"Outcome {number + 1}: students with IEPs meeting grade-level "
                "reading benchmarks on the district screener",
                baseline_value=Decimal(30 + number), baseline_date=today,
                target_value=Decimal(45 + number), target_date=today + timedelta(days=730),
                data_source="District screener", monitoring_frequency="Quarterly",
            )  # fmt: skip
            for step in (1, 2):
                part_row_add(
                    rows=plan.BENCHMARKS,
                    actor=actor, record=record, outcome=outcome, version=version(),
                    value=Decimal(30 + number + 5 * step), date=today + timedelta(days=240 * step),
                )  # fmt: skip


def build() -> tuple[int, int]:
    """Ids of a submitted progress-report version with history, and of a plan version."""
    from reports.access import progress_reports_for_engagement
    from reports.services import progress as services_progress
    from tests.cim.catalog import load_2024
    from tests.conftest import build_world
    from tests.reports.progress_world import approve_plan, fill_report
    from tests.steps.engagements import start
    from tests.steps.ready import make_ready

    world = build_world()
    engagement = start(world.lea, load_2024()["targeted"], level=3)
    make_ready(engagement, 3, actor=world.lea_lead)
    _grow_plan(engagement, world.lea_lead)
    plan = approve_plan(world, engagement, on=date(2024, 12, 20))
    first, second = progress_reports_for_engagement(engagement)[:2]
    for report in (first, second):
        report = fill_report(
            world, report, measured_on=min(report.period.ends_on, timezone.localdate())
        )
        version = services_progress.progress_report_submit(
            actor=world.lea_lead, report=report, confirmation_name="Casey Lead"
        )
    return version.pk, plan.versions.get().pk


def time_renders(version_id: int, runs: int) -> tuple[list[float], list[float], bytes]:
    """Wall-clock and CPU seconds of each render. On a shared machine the wall clock also
    counts the time other processes held the cores; the CPU time is this render's work."""
    from reports.pdf import render_version_pdf
    from steps.models import SubmissionVersion

    version = SubmissionVersion.objects.get(pk=version_id)
    content = render_version_pdf(version)  # warm: imports, fontconfig, templates
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        content = render_version_pdf(version)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu, content


def report(name: str, wall: list[float], cpu: list[float], content: bytes) -> float:
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(content)).pages)
    ordered = sorted(wall)
    median = statistics.median(ordered)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    print(
        f"{name}: {len(wall)} PDFs ({pages} pages, {len(content) // 1024} KB each): median "
        f"{median:.3f} s per PDF, p90 {p90:.3f} s, slowest {ordered[-1]:.3f} s; "
        f"CPU median {statistics.median(cpu):.3f} s"
    )
    return median


def main() -> None:
    logging.disable(logging.INFO)
    load = os.getloadavg()[0]
    print(f"Load average {load:.1f} on {os.cpu_count()} cores (other work slows the wall clock)")
    with throwaway_database("pdf"):
        started = time.perf_counter()
        progress_id, plan_id = build()
        took = time.perf_counter() - started
        print(f"Built an LEA in Step 4 with two progress reports in {took:.1f} s")
        median = report("Progress report", *time_renders(progress_id, RUNS))
        report("Plan for Improvement (Step 3)", *time_renders(plan_id, RUNS // 4))
    verdict = "meets" if median < GOAL else "MISSES"
    print(f"Progress report PDF: median {median:.3f} s {verdict} the goal of {GOAL:.0f} s per PDF")


if __name__ == "__main__":
    main()

"""Benchmark of the spring ADL load, run by `make bench` (never by the test suite).

Generates a statewide ADL file in memory (2,500 LEAs in 130 SELPAs, with the tier mix,
charters and contacts of a real year), then in a throw-away database (test_<name>_adl)
times the load the way `import_adl` runs it: validate (a dry run), apply, and re-apply
the same file. Prints seconds and queries per phase; the goal is apply under 10 s and
re-apply under 5 s, with a query count that does not grow with the number of rows.
"""

import csv
import io
import logging
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import connection

from bench.common import throwaway_database
from cim.adl import COLUMNS
from steps.services import AdlLoadResult, adl_apply

SELPAS = 130
LEAS = 2500
YEAR = 2024
SEED = 2024  # the same file on every run, so figures compare across commits

# Rough statewide shares: most LEAs meet requirements; a few need intensive support.
TIERS = (("Universal", 0.80), ("Targeted", 0.15), ("Intensive", 0.05))
NEW_TO_CIM = 0.6  # of Targeted and Intensive LEAs; the others continue an earlier cycle
CHARTERS = 0.08  # charters acting as their own LEA carry 14-digit CDS codes
INDICATORS = ("1", "2", "3A", "3B", "3C", "3D", "4A", "4B", "5A", "5B", "5C", "6A", "6B", "8")
COUNTIES = (
    "Alameda", "Butte", "Fresno", "Humboldt", "Kern", "Los Angeles", "Madera", "Marin",
    "Merced", "Monterey", "Orange", "Placer", "Riverside", "Sacramento", "San Bernardino",
    "San Diego", "San Joaquin", "Santa Clara", "Santa Cruz", "Shasta", "Sonoma", "Tulare",
)  # fmt: skip
PLACES = (
    "Oak", "River", "Pine", "Cedar", "Valley", "Harbor", "Mesa", "Sierra", "Bay", "Canyon",
    "Golden", "Willow", "Summit", "Coast", "Lake", "Sunset", "Redwood", "Meadow", "Palm",
)  # fmt: skip
KINDS = ("Unified", "Elementary", "Union High", "Joint Unified", "County Office of Education")


def adl_file(rng: random.Random) -> bytes:
    """The statewide ADL as Excel saves "CSV UTF-8": a BOM, CRLF line ends."""
    selpas = [
        (f"{n:04d}", f"{rng.choice(PLACES)} {rng.choice(COUNTIES)} SELPA {n}", rng.choice(COUNTIES))
        for n in range(1001, 1001 + SELPAS)
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for n in range(LEAS):
        writer.writerow(_lea_row(rng, n, selpas[n % SELPAS]))
    return b"\xef\xbb\xbf" + buffer.getvalue().encode()


def _lea_row(rng: random.Random, n: int, selpa: tuple[str, str, str]) -> list[str]:
    selpa_code, selpa_name, county = selpa
    tier = rng.choices([name for name, _ in TIERS], weights=[share for _, share in TIERS])[0]
    engaged = tier != "Universal"
    unmet = rng.sample(INDICATORS, rng.randint(1, 4) if engaged else rng.randint(0, 1))
    district = f"{1 + n // 100:02d}{10000 + n:05d}"
    charter = rng.random() < CHARTERS
    cds = f"{district}{rng.randint(100000, 999999):06d}{rng.randint(0, 9)}" if charter else district
    kind = "Charter Academy" if charter else rng.choice(KINDS)
    name = f"{rng.choice(PLACES)} {rng.choice(PLACES)} {kind} {n}"
    new = engaged and rng.random() < NEW_TO_CIM
    slug = name.lower().replace(" ", "-")
    return [
        cds, name, selpa_code, selpa_name, county, str(n % 11 + 1), tier,
        str(rng.choice((1, 2, 3))) if engaged else "", "; ".join(sorted(unmet)),
        "yes" if new else "no",
        "Pat Lead" if new else "", f"cim-lead@{slug}.example.org" if new else "",
    ]  # fmt: skip


def timed(label: str, run: Callable[[], AdlLoadResult]) -> AdlLoadResult:
    queries = 0

    # Counted with a wrapper: CaptureQueriesContext keeps at most 9,000 queries.
    def count(execute: Callable[..., Any], *args: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(*args)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - started
    assert result.is_valid, result.errors[:5]
    counts = ", ".join(f"{name} {number}" for name, number in sorted(result.counts.items()))
    print(f"{label:<22}{seconds:>8.2f}{queries:>10}   {counts or '-'}")
    return result


def main() -> None:
    from cim import services as cim_services
    from cim.celery import app

    # Invitation emails are queued on commit: keep them in memory rather than in the
    # filesystem queue a local worker would read.
    app.conf.update(broker_url="memory://")
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)  # "no hostname": memory://
    content = adl_file(random.Random(SEED))
    with throwaway_database("adl_bench"):
        cim_services.catalog_load(actor=None, data=cim_services.catalog_data(year=YEAR))
        print(f"ADL file: {LEAS} LEAs in {SELPAS} SELPAs, {len(content) / 1024:.0f} KiB")
        print(f"{'phase':<22}{'seconds':>8}{'queries':>10}   what it did")

        def load(*, dry_run: bool) -> AdlLoadResult:
            return adl_apply(actor=None, year=YEAR, content=content, dry_run=dry_run)

        timed("validate (dry run)", lambda: load(dry_run=True))
        timed("apply", lambda: load(dry_run=False))
        timed("re-apply (no change)", lambda: load(dry_run=False))


if __name__ == "__main__":
    main()

"""The PDF of a submitted version, drawn by WeasyPrint from templates/reports/pdf/.

What goes in: a cover (LEA, CDS code, SELPA, tier, level, what was submitted, version,
who submitted it and when, the decision on it), then the frozen snapshot in the order of
the form, activity by activity and box by box.

What the renderer may read: the project's own static files (the vendored fonts and the
PDF stylesheet) and nothing else. `StaticFilesOnly` is its URL fetcher: a URL under the
site's STATIC_URL is served from the static files finders or STATIC_ROOT; every other URL
(http, https, file, data, ftp, ...) is refused, so text a person typed can never make the
worker reach the network or read the server's files.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import OpenerDirector

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils._os import safe_join
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from reports import charts as chart_markup
from reports.progress import SNAPSHOT_KEY, SnapshotChart, charts_in_snapshot
from steps import access, drilldown_charts
from steps.drilldown_page import snapshot_charts
from steps.models import Review, SubmissionVersion
from steps.workspace import STEP_NAMES

logger = logging.getLogger(__name__)

TEMPLATE = "reports/pdf/version.html"
# What a render draws itself (each chart, as an SVG image) is served to it under these
# URLs, from memory: an <img> is parsed by WeasyPrint's SVG reader, far quicker than the
# same markup inline in the HTML, where every element would go through the HTML parser
# and the CSS cascade.
GENERATED = "cim-generated:"
SVG = "image/svg+xml"
REFUSED = "The PDF renderer reads only the project's static files, not {url}"


def base_url() -> str:
    """What relative URLs in the PDF's HTML resolve against: the site's own address."""
    return settings.SITE_URL + "/"


def static_prefix() -> str:
    """Absolute URL prefix of the static files, as `{% static %}` URLs resolve."""
    return urljoin(base_url(), settings.STATIC_URL)


def static_file(url: str) -> Path | None:
    """The file a static URL names, from the finders (development) or STATIC_ROOT
    (production, where names carry the manifest's hash); None for anything else."""
    prefix = static_prefix()
    if not url.startswith(prefix):
        return None
    relative = unquote(urlsplit(url[len(prefix) :]).path)
    if not relative or relative.startswith("/"):
        return None
    try:
        found = finders.find(relative)
        if isinstance(found, str):
            return Path(found)
        if settings.STATIC_ROOT:
            candidate = Path(safe_join(str(settings.STATIC_ROOT), relative))
            if candidate.is_file():
                return candidate
    except SuspiciousFileOperation:
        return None
    return None


class StaticFilesOnly(URLFetcher):
    """A WeasyPrint URL fetcher that serves the project's static files and refuses the
    rest. Refused URLs are kept in `refused` (tests read it); WeasyPrint logs each refusal
    as a warning and draws the page without that resource. `generated` holds what the
    render made itself (the charts, as SVG), under `GENERATED` URLs."""

    def __init__(self, generated: Mapping[str, bytes] | None = None) -> None:
        # Not URLFetcher.__init__: it builds urllib's HTTP, FTP and file handlers (and an
        # SSL context, tens of milliseconds) that this fetcher never uses. What WeasyPrint
        # reads of a fetcher besides `fetch` is `_fail_on_errors`.
        OpenerDirector.__init__(self)
        self._fail_on_errors = False
        self.generated = dict(generated or {})
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url in self.generated:
            self.served.append(url)
            return URLFetcherResponse(url, self.generated[url], {"Content-Type": SVG})
        path = static_file(url)
        if path is None:
            self.refused.append(url)
            raise ValueError(REFUSED.format(url=url[:200]))
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def html_to_pdf(html: str, *, fetcher: StaticFilesOnly | None = None) -> bytes:
    """HTML (with its <title> and <html lang>) as PDF bytes, fetching only static files."""
    fonts = FontConfiguration()
    document = HTML(string=html, base_url=base_url(), url_fetcher=fetcher or StaticFilesOnly())
    # Without a target, write_pdf returns the bytes.
    return bytes(document.write_pdf(font_config=fonts) or b"")


def version_context(version: SubmissionVersion) -> dict[str, Any]:
    """What the template shows; the version comes with its submission, engagement, LEA,
    SELPA, cohort, determination and submitter loaded (see `render_version_pdf`)."""
    submission = version.submission
    engagement = submission.engagement
    activities = [
        activity
        for activity in version.snapshot.get("activities", [])
        # An activity set aside carries no entries and is not part of the submission.
        if activity.get("entries")
    ]
    activities, images = _with_charts(activities, version.snapshot)
    activities = _with_drilldown_charts(activities, images)
    review = next(iter(version.reviews.all()), None)
    return {
        "version": version,
        "submission": submission,
        "engagement": engagement,
        "lea": engagement.lea,
        "determination": engagement.determination,
        "review": review,
        "reviewed_by": reviewed_by(version, review),
        "activities": activities,
        "heading": heading(version),
        "document_title": document_title(version),
        "generated_at": timezone.now(),
        "images": images,
    }


CHART_CAPTION = (
    "{label}: the plan's path (dashed: baseline, benchmarks, target) and the values "
    "measured so far (solid), as submitted."
)


def _with_charts(
    activities: list[dict[str, Any]], snapshot: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    """A progress report's chart of each measurable outcome, placed under the outcome's
    entry, and the charts' SVG by URL; drawn from the snapshot alone, so the PDF shows
    what was submitted."""
    charts = {chart.anchor: chart for chart in charts_in_snapshot(snapshot)}
    images: dict[str, bytes] = {}
    if not charts:
        return activities, images

    def chart(found: SnapshotChart) -> dict[str, Any]:
        url = f"{GENERATED}chart-{len(images) + 1}.svg"
        # The charts name a system font for the page; in the PDF they use the vendored one.
        images[url] = found.svg.replace(chart_markup.FONT, CHART_FONT).encode()
        return {
            "chart": url,
            "chart_alt": chart_markup.chart_description(found.outcome, found.points),
            "chart_caption": CHART_CAPTION.format(label=found.label),
        }

    placed = []
    for activity in activities:
        if activity.get("key") != SNAPSHOT_KEY:
            placed.append(activity)
            continue
        entries = []
        for item in activity["entries"]:
            found = charts.pop(item["anchor"], None)
            entries.append(item if found is None else {**item, **chart(found)})
        # A chart whose entry the snapshot lacks still goes in, after the entries.
        entries += [{"label": found.label, "text": "", **chart(found)} for found in charts.values()]
        charts = {}
        placed.append({**activity, "entries": entries})
    return placed, images


CHART_FONT = 'font-family="CIM Sans"'


def _with_drilldown_charts(
    activities: list[dict[str, Any]], images: dict[str, bytes]
) -> list[dict[str, Any]]:
    """The Data Drill Down's bar charts (each breakdown, with its target line) under the
    entry of their measure, drawn from the snapshot's suppressed rows; their SVG added to
    `images` by URL."""
    placed = []
    for activity in activities:
        charts = snapshot_charts(activity)
        if not charts:
            placed.append(activity)
            continue
        entries = []
        for item in activity["entries"]:
            drawn = []
            for title, svg, words in charts.get(item["anchor"], []):
                url = f"{GENERATED}drilldown-{len(images) + 1}.svg"
                images[url] = svg.replace(drilldown_charts.FONT, CHART_FONT).encode()
                drawn.append({"chart": url, "chart_alt": words, "chart_caption": title})
            entries.append({**item, "charts": drawn} if drawn else item)
        placed.append({**activity, "entries": entries})
    return placed


def heading(version: SubmissionVersion) -> str:
    """What the document is, in the state's words: the plan's own name for the Step 3
    that carries it, "Step 1: Gather and inquire" for another step, else the submission's
    title (an activity, a progress report)."""
    submission = version.submission
    for activity in version.snapshot.get("activities", []):
        if "plan" in activity.get("parts", ()) and activity.get("entries"):
            return str(activity["name"])
    if submission.activity_id is None and not submission.label and submission.step in STEP_NAMES:
        return f"Step {submission.step}: {STEP_NAMES[submission.step]}"
    return submission.title


def document_title(version: SubmissionVersion) -> str:
    """The one title: the PDF's metadata, its running head and its cover say this."""
    lea = version.submission.engagement.lea
    return f"{heading(version)}, version {version.number}: {lea.name} (CDS {lea.code})"


def reviewed_by(version: SubmissionVersion, review: Review | None) -> str:
    """Who reviews the version, by name: whoever decided it; else the LEA's CDE
    consultant (work routed to CDE) or the SELPA's reviewers."""
    where = version.routed_to
    lea = version.submission.engagement.lea
    office = lea.selpa.name if where == "SELPA" and lea.selpa else "CDE"
    if review is not None:
        name = review.reviewer.display_name if review.reviewer else "a former user"
        return f"{name}, {office}"
    names = [
        person.display_name
        for person in access.reviewers_for(version.submission.engagement, where).order_by("pk")
    ]
    if names:
        return f"{', '.join(names)}, {office}"
    if where == "CDE":
        return "CDE (no consultant is assigned to the LEA yet)"
    return f"{office} (no reviewer in CIM Portal yet)"


def render_version_pdf(version: SubmissionVersion) -> bytes:
    """The PDF of a submitted version, as bytes."""
    version = access.submission_version_for_system(version.pk) or version
    prefetch_related_objects([version], "reviews__reviewer")
    context = version_context(version)
    html = render_to_string(TEMPLATE, context)
    return html_to_pdf(html, fetcher=StaticFilesOnly(generated=context["images"]))


def pdf_filename(version: SubmissionVersion) -> str:
    """e.g. cim-1234567-riverbend-unified-step-3-v2.pdf: ASCII, so every browser keeps it."""
    submission = version.submission
    lea = submission.engagement.lea
    name = f"cim {lea.code} {lea.name} {submission.title} v{version.number}"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return f"{slug[:150].rstrip('-')}.pdf"

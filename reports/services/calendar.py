"""Writes of calendar feeds: make (or rotate) a person's secret feed URL, revoke it, and
note when a calendar app last fetched it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from lea import data_version
from lea.models import AuditVerb, User
from lea.services import audit
from reports.models import CalendarFeed
from steps import access
from steps.models import Engagement

NOT_IN_SCOPE = "You may not see this LEA's CIM work, so you cannot subscribe to its deadlines."
NOT_YOURS = "Only the person a calendar feed belongs to may revoke it."


@dataclass(frozen=True)
class NewFeed:
    feed: CalendarFeed
    # The secret of the URL. Only its hash is stored: show it once, it cannot be shown again.
    token: str


@transaction.atomic
def calendar_feed_create(*, actor: User, engagement: Engagement) -> NewFeed:
    """Give the actor a new secret URL to the engagement's deadlines. A URL they had for
    it stops working (rotation: the way to replace a URL that was shared by mistake)."""
    if not access.engagements_for(actor).filter(pk=engagement.pk).exists():
        raise PermissionDenied(NOT_IN_SCOPE)
    # Serialise one person's creates, so two clicks leave one live feed, not an error.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    now = timezone.now()
    replaced = list(
        CalendarFeed.objects.filter(
            user=actor, engagement=engagement, revoked_at__isnull=True
        ).values_list("pk", flat=True)
    )
    CalendarFeed.objects.filter(pk__in=replaced).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(
        user=actor, engagement=engagement, token_hash=CalendarFeed.hash_token(token)
    )
    feed.full_clean()
    feed.save()
    audit(
        actor=actor,
        verb=AuditVerb.CALENDAR_FEED_ROTATE if replaced else AuditVerb.CALENDAR_FEED_CREATE,
        target=feed,
        organization=engagement.lea,
        changes={"replaced": [None, replaced]} if replaced else {},
    )
    data_version.changed()
    return NewFeed(feed=feed, token=token)


@transaction.atomic
def calendar_feed_revoke(*, actor: User, feed: CalendarFeed) -> CalendarFeed:
    """Stop the feed's URL from working. Revoking twice changes nothing."""
    if feed.user_id != actor.pk:
        raise PermissionDenied(NOT_YOURS)
    locked = (
        CalendarFeed.objects.select_for_update(of=("self",))
        .select_related("engagement__lea")
        .get(pk=feed.pk)
    )
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    audit(
        actor=actor,
        verb=AuditVerb.CALENDAR_FEED_REVOKE,
        target=locked,
        organization=locked.engagement.lea,
    )
    data_version.changed()
    return locked


def calendar_feed_mark_fetched(*, feed: CalendarFeed) -> None:
    """Note that a calendar app fetched the feed: one UPDATE, no audit row (apps poll
    every few hours; `last_fetched_at` is the record of it)."""
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())

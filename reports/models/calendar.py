"""Calendar feeds: a secret per-user URL where a calendar app reads an engagement's deadlines."""

from __future__ import annotations

import hashlib
from typing import ClassVar

from django.conf import settings
from django.db import models


class CalendarFeed(models.Model):
    """One person's subscription URL to one engagement's deadlines (.ics).

    Calendar apps fetch without a session, so the token in the URL is the credential.
    Revoked and rotated feeds stay as rows (who had a URL, until when); only one per
    person and engagement is live at a time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    engagement = models.ForeignKey(
        "steps.Engagement", on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    # Only a hash is kept, so a database leak does not leak working URLs.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("user", "engagement"),
                condition=models.Q(revoked_at__isnull=True),
                name="calendar_feed_one_live_per_user_engagement",
            ),
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user} for {self.engagement}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

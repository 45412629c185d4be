"""Who else has an activity open for editing right now, kept in the shared cache (Redis
in production, so every web process sees it) and never in the database: it is a
courtesy that lives for a minute, not a record."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

from lea.models import User
from steps.models import ActivityRecord

logger = logging.getLogger(__name__)

# Someone not heard from for this many heartbeats (settings.PRESENCE_HEARTBEAT_SECONDS)
# has closed the page or lost the connection.
GONE_AFTER_BEATS = 2.5


def heartbeat_seconds() -> int:
    return int(settings.PRESENCE_HEARTBEAT_SECONDS)


def _gone_after() -> float:
    return heartbeat_seconds() * GONE_AFTER_BEATS


def _key(record: ActivityRecord) -> str:
    return f"presence:activity:{record.pk}"


def _here(record: ActivityRecord, now: float) -> dict[str, list[object]]:
    """{user id: [name, last heard]} of the people heard from lately."""
    seen = cache.get(_key(record)) or {}
    return {uid: entry for uid, entry in seen.items() if now - float(entry[1]) < _gone_after()}


def presence_beat(*, record: ActivityRecord, user: User) -> list[str]:
    """Note that `user` has the activity open; the names of the others who have it open.
    Two beats at once may drop one of them for one beat: the next one restores it."""
    now = time.time()
    try:
        here = _here(record, now)
        here[str(user.pk)] = [user.display_name, now]
        cache.set(_key(record), here, timeout=_gone_after() * 2)
    except Exception:
        # A cache outage must not break the editing page: nobody is shown until it is back.
        logger.warning("Presence not kept: the cache is unavailable.", exc_info=True)
        return []
    return sorted(str(name) for uid, (name, _) in here.items() if uid != str(user.pk))


def presence_leave(*, record: ActivityRecord, user: User) -> None:
    """The user closed the page: stop showing them to the others at once."""
    here = _here(record, time.time())
    if here.pop(str(user.pk), None) is not None:
        cache.set(_key(record), here, timeout=_gone_after() * 2)

"""Counters in the cache that refuse an action done too often (password-reset emails)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def _key(scope: str, value: str) -> str:
    # Hashed: an email address is not kept as a cache key in the clear.
    return f"throttle:{scope}:{hashlib.sha256(value.encode()).hexdigest()}"


def allow(*, scope: str, limits: dict[str, tuple[str, int]], window_seconds: int) -> bool:
    """Count one more attempt against each (value, limit) of `limits` (e.g. per address and
    per account) and say whether all are still within their limit for the window, which
    starts at the first attempt. A refused attempt is not counted."""
    keys = {name: _key(f"{scope}:{name}", value) for name, (value, _) in limits.items()}
    counts = cache.get_many(list(keys.values()))
    if any(counts.get(keys[name], 0) >= limit for name, (_, limit) in limits.items()):
        return False
    for key in keys.values():
        cache.add(key, 0, timeout=window_seconds)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: this attempt starts a window
            cache.set(key, 1, timeout=window_seconds)
    return True

"""A token that changes whenever audited data changes, for caches of pages built from it.

Every service whose change shows on the cached pages (a status, a submission, an
engagement, an organisation, a person) calls `changed()` beside the change's AuditEvent:
so a page cached under the current token is never older than the last such change. A
draft edit (answers, structured rows, a progress report's content) does not. A fresh
random token, not a counter, so two writers that change it at once can never both land on
the same value.

The token changes twice per write: at once, so the writing transaction (and a test inside
one) reads its own change; and again once the transaction commits, since a reader in
between may have cached the data as it was before the commit under the first token.

The cache is a speed-up, never a condition of a write: with the cache server down a write
still succeeds (logged), and readers build their pages afresh.
"""

from __future__ import annotations

import logging
import secrets

from django.core.cache import cache
from django.db import transaction

KEY = "audited-data-version"
logger = logging.getLogger(__name__)


def current() -> str:
    """The token now; a new one if the cache has none (evicted, or a fresh cache)."""
    token = cache.get(KEY)
    if token is None:
        token = _fresh()
        # add, not set: two readers of an empty cache agree on the first one written.
        if not cache.add(KEY, token, timeout=None):
            token = cache.get(KEY) or token
    return str(token)


def changed() -> None:
    """Call inside the transaction of a write: retires every cached page."""
    _renew()
    transaction.on_commit(_renew)


def _renew() -> None:
    try:
        cache.set(KEY, _fresh(), timeout=None)
    except Exception:  # whatever the cache backend raises when its server is down
        logger.exception("The cache is unreachable: cached pages were not retired")


def _fresh() -> str:
    return secrets.token_hex(8)

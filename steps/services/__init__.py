"""Writes for the steps app, one module per sub-domain; import them from here."""

from steps.services.adl_load import (
    ENGAGED_NOT_NEW,
    ENGAGED_OTHER_TIER,
    SELPA_CHANGED,
    AdlLoadResult,
    LeaPlan,
    adl_apply,
    determination_load,
)
from steps.services.engagements import (
    engagement_is_stale,
    engagement_resolve,
    engagement_start,
)

__all__ = [
    "ENGAGED_NOT_NEW",
    "ENGAGED_OTHER_TIER",
    "SELPA_CHANGED",
    "AdlLoadResult",
    "LeaPlan",
    "adl_apply",
    "determination_load",
    "engagement_is_stale",
    "engagement_resolve",
    "engagement_start",
]

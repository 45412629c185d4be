"""Writes for the steps app, one module per sub-domain; import them from here."""

from steps.services.adl_load import (
    ENGAGED_NOT_NEW,
    SELPA_CHANGED,
    AdlLoadResult,
    LeaPlan,
    adl_apply,
    determination_load,
)
from steps.services.adl_upload import (
    adl_upload_apply,
    adl_upload_check,
    adl_upload_create,
    adl_upload_request_apply,
    adl_uploads_fail_stalled,
    upload_progress,
)
from steps.services.assignments import (
    consultant_assign,
    consultant_unassign,
    leas_in_region,
    monitoring_year_get,
)
from steps.services.determination_facts import (
    determination_record_selpa_requires_reports,
    determination_record_srr_finding,
)
from steps.services.engagements import (
    engagement_is_stale,
    engagement_move,
    engagement_resolve,
    engagement_set_prior_plan,
    engagement_start,
)
from steps.services.records import (
    EDITABLE,
    AnswersSaved,
    record_lock,
    record_save_answers,
    record_set_aside,
    record_take_up,
    record_touch,
)
from steps.services.submissions import (
    comment_add,
    comment_reply,
    decision_check,
    decision_undo,
    submission_decide,
    submission_submit,
)

__all__ = [
    "EDITABLE",
    "ENGAGED_NOT_NEW",
    "SELPA_CHANGED",
    "AdlLoadResult",
    "AnswersSaved",
    "LeaPlan",
    "adl_apply",
    "adl_upload_apply",
    "adl_upload_check",
    "adl_upload_create",
    "adl_upload_request_apply",
    "adl_uploads_fail_stalled",
    "comment_add",
    "comment_reply",
    "consultant_assign",
    "consultant_unassign",
    "decision_check",
    "decision_undo",
    "determination_load",
    "determination_record_selpa_requires_reports",
    "determination_record_srr_finding",
    "engagement_is_stale",
    "engagement_move",
    "engagement_resolve",
    "engagement_set_prior_plan",
    "engagement_start",
    "leas_in_region",
    "monitoring_year_get",
    "record_lock",
    "record_save_answers",
    "record_set_aside",
    "record_take_up",
    "record_touch",
    "submission_decide",
    "submission_submit",
    "upload_progress",
]

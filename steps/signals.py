"""Signals through which the apps above `steps` follow its work without `steps` importing
them (the import direction of docs/architecture.md)."""

from django.dispatch import Signal

# Sent inside the transaction of a change that may make an engagement's Step 4 progress
# reports due: a plan approved, an engagement started (a continuing LEA's Step 4 opens at
# once), moved to another cohort, or its activities resolved again (say, its SELPA now
# requires reports). Keyword argument: engagement_ids, a list of engagement primary keys.
step4_may_open = Signal()

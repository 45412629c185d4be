"""`{{ row|row_base }}`: the fingerprint a remove button carries, so removing a row someone
changed since the page was drawn is refused (steps/services/parts_merge.py)."""

from __future__ import annotations

import importlib

from django import template
from django.db.models import Model

from steps.parts import PART_NAMES
from steps.services.parts_merge import ROW_VALUES, row_base

register = template.Library()


@register.filter(name="row_base")
def row_base_filter(row: Model) -> str:
    if type(row) not in ROW_VALUES:
        # The parts' services register their rows when imported.
        for name in PART_NAMES:
            importlib.import_module(f"steps.services.part_{name}")
    return row_base(row)

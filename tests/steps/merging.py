"""What every structured row's save promises ("no words lost"), checked the same way for
each part: tests/steps/test_row_merge.py runs these checks over one `RowCase` per part.

A case knows how to make a row, draw its edit form as the page would, post that form
(with the writer's changes) the way a browser would, let someone else save the row
meanwhile, and read the row back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.test import Client

from steps.merge import normal
from steps.merge_forms import RowFormMixin


def posted(form: RowFormMixin, **changes: Any) -> dict[str, Any]:
    """The data a browser posts for the form as drawn, with `changes` (by field name)
    typed over it: every field's value, the version token and the bases."""
    data: dict[str, Any] = {}
    for name, bound_field in form.fields.items():
        value = changes[name] if name in changes else form[name].value()
        key = form.add_prefix(name)
        if isinstance(value, bool) or getattr(bound_field.widget, "input_type", "") == "checkbox":
            if isinstance(value, list | tuple):
                data[key] = [str(item) for item in normal(value)]
            elif value:
                data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(item) for item in normal(value)]
        elif value is not None:
            data[key] = str(normal(value))
    data.update(dict(form.base_inputs()))
    return data


@dataclass
class RowCase:
    """One part's row, as the shared checks need it."""

    name: str
    # Make the row (through the part's add service) and return it.
    make: Callable[[], Model]
    # The row's edit URL and remove URL.
    edit_url: Callable[[Model], str]
    remove_url: Callable[[Model], str]
    # The edit form as the page draws it now.
    form: Callable[[Model], RowFormMixin]
    # Someone else saves these values of the row (through the service, as a second user).
    save_as_other: Callable[[Model, dict[str, Any]], Any]
    # Two text fields of the row, and a third value each may take.
    text_a: str
    text_b: str
    # The label of text_b as the success message names it.
    label_b: str
    # The row's current values by field name.
    read: Callable[[Model], dict[str, Any]]
    # The add URL and its posted data (a fresh row's values), to show an add never conflicts.
    add: Callable[[], tuple[str, dict[str, Any]]]
    # How many rows there are now.
    count: Callable[[], int]
    # The field and the limit whose over-long text must be named.
    long_field: str = ""
    long_limit: int = 0
    long_label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def remove_data(client: Client, page_url: str, remove_url: str) -> dict[str, str]:
    """The hidden inputs of the remove button of a row, read from the page as drawn."""
    import re

    page = client.get(page_url).content.decode()
    at = page.index(f'action="{remove_url}"')
    form = page[at : page.index("</form>", at)]
    return dict(re.findall(r'<input type="hidden" name="(version|base)" value="([^"]*)"', form))

"""What every form of a structured row carries so a save merges with others' saves instead
of overwriting them (steps/merge.py, steps/services/parts_merge.py): the version token of
its activity (or progress report), and per field the fingerprint of the value as shown
(its base). Shown again after a conflict, the form keeps the writer's text, takes what
others changed in the fields the writer left alone, and shows both texts beside each
field both changed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from django import forms
from django.forms import BoundField
from django.forms.utils import pretty_name

from steps.merge import BASE_PREFIX, ConflictView, conflict_view, fingerprints, normal
from steps.services.parts_merge import RowConflict

# Django's own words ("Ensure this value has at most 5000 characters") name neither the
# field nor what happened to the text; the browser's maxlength would cut a paste silently.
TOO_LONG = (
    "“{label}” can hold at most {limit:,} characters; this text has %(show_value)s. Nothing "
    "was saved; your text is still in the box. Shorten it, or move part of it elsewhere."
)


class RowFormMixin(forms.BaseForm):
    """Mix into a Form or ModelForm editing one row (before it in the bases). `form_id` is
    the id of the <form> element (the conflict panel finds the field through it)."""

    form_id = ""

    def __init__(self, *args: Any, bases: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"] = forms.CharField(widget=forms.HiddenInput, required=False)
        for name, field in self.fields.items():
            limit = getattr(field, "max_length", None)
            if limit:
                field.widget.attrs.pop("maxlength", None)
                label = label_of(field, name).replace("%", "%%")
                field.error_messages["max_length"] = TOO_LONG.format(label=label, limit=limit)
        self.conflicts: dict[str, ConflictView] = {}
        self.bases: dict[str, str] = dict(bases or {})
        if not self.bases and self.is_bound:
            posted = {name: self.data.get(self._base_name(name)) for name in self.merge_names()}
            self.bases = {name: str(base) for name, base in posted.items() if base is not None}

    def _base_name(self, name: str) -> str:
        return BASE_PREFIX + self.add_prefix(name)

    def merge_names(self) -> list[str]:
        """The fields a save merges: every field the person edits."""
        return [name for name in self.fields if name != "version"]

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.merge_names()}

    def posted_bases(self) -> dict[str, str]:
        return {name: self.bases.get(name, "") for name in self.merge_names()}

    def version(self) -> str:
        return str(self.data.get(self.add_prefix("version"), "")) if self.is_bound else ""

    def base_inputs(self) -> list[tuple[str, str]]:
        """The hidden base inputs, one per merged field (none on a form that adds)."""
        if not self.bases:
            return []
        return [(self._base_name(name), self.bases.get(name, "")) for name in self.merge_names()]

    def merge_rows(self) -> list[tuple[BoundField, ConflictView | None]]:
        """Each visible field with its conflict panel, if any."""
        return [(bound, self.conflicts.get(bound.name)) for bound in self.visible_fields()]

    def show_conflict(self, conflict: RowConflict) -> None:
        """Show the form again after a refused save: the writer's text stays; fields only
        others changed take the saved value; every base becomes the saved value's, since
        the writer now sees it (so saving again keeps what is in the box)."""
        data = self.data.copy()  # type: ignore[attr-defined]
        for name in conflict.incoming:
            if name in self.fields:
                _put(data, self.add_prefix(name), self.fields[name], conflict.current.get(name))
        data[self.add_prefix("version")] = conflict.version
        self.data = data
        self.bases = fingerprints(conflict.current)
        for name, theirs in conflict.theirs.items():
            field = self.fields[name]
            mine = self.cleaned_data.get(name)
            view = conflict_view(
                form_id=self.form_id,
                name=self.add_prefix(name),
                label=label_of(field, name),
                mine=shown(field, mine),
                theirs=theirs,
                edit=conflict.edits[name],
                shown=shown(field, theirs),
            )
            self.conflicts[name] = replace(view, combinable=view.combinable and _is_text(field))


def _is_text(field: forms.Field) -> bool:
    return isinstance(field, forms.CharField) and not isinstance(field, forms.EmailField)


def _put(data: Any, key: str, field: forms.Field, value: Any) -> None:
    """Put a saved value into posted data as the field's widget would post it."""
    if isinstance(field, forms.BooleanField):
        if value:
            data[key] = "on"
        else:
            data.pop(key, None)
    elif isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        data.setlist(key, [str(item) for item in normal(value)])
    else:
        data[key] = str(normal(value))


def shown(field: forms.Field, value: Any) -> str:
    """A value in the words the form shows it with (a choice's label, not its code)."""
    if isinstance(field, forms.BooleanField):
        return "Yes" if value else "No"
    choices = getattr(field, "choices", None)
    if choices is None:
        return str(normal(value))
    labels = {str(normal(getattr(key, "value", key))): str(label) for key, label in choices}
    if isinstance(normal(value), list):
        return "; ".join(labels.get(str(item), str(item)) for item in normal(value)) or "(none)"
    return labels.get(str(normal(value)), str(normal(value)))


def label_of(field: forms.Field, name: str) -> str:
    return str(field.label) if field.label is not None else pretty_name(name)


def labels_of(form: Any, names: Iterable[str]) -> list[str]:
    fields = form.fields
    return [label_of(fields[name], name) if name in fields else name for name in names]

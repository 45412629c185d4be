"""Filter, sort and page a list from its URL: the CIM status page, the review queue and the
status grid parse their query string the same way. A filter is a form field with a fixed
set of choices (a sort is one of them: only the keys it lists), so a value that is not one
is ignored, its field marked and the page says so; a page number past the end shows the
last page, and one that is not a number the first, and the page says which it shows.
Nothing a user types in the address bar makes an error page."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe

IGNORED = "Some filters were not understood and are ignored: see the marked fields."
NO_SUCH_PAGE = "There is no page “{asked}”: this is page {number} of {count}."


class QuickSelect(forms.Select):
    """A select built in Python. Django renders every option through a template, which for
    the 130 SELPAs of the grid's filter costs more than the rest of the page's table."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        # The standard library's escape, which django.utils.html.escape calls after a
        # check for lazy strings that costs more than the escaping: a select of 130 SELPAs.
        chosen = {str(item) for item in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(str(key))}"{" selected" if str(key) in chosen else ""}>'
            f"{escape(str(label))}</option>"
            for key, label in self.choices
        )
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 -- escaped


def number_field(choices: list[tuple[Any, str]], label: str, empty: str | None) -> forms.Field:
    """A select of numbers (a year, a level, a step), with `empty` as its "any" choice."""
    options = [("", empty), *choices] if empty is not None else choices
    return forms.TypedChoiceField(
        label=label,
        choices=options,
        coerce=int,
        empty_value=None,
        required=False,
        widget=QuickSelect(attrs={"class": "form-select form-select-sm"}),
    )


def choice_field(choices: list[tuple[str, str]], label: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=QuickSelect(attrs={"class": "form-select form-select-sm"}),
    )


def name_field() -> forms.CharField:
    return forms.CharField(
        label="LEA name contains",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


def valid_data(form: forms.Form) -> dict[str, Any]:
    """The form's valid values; each field whose value is not one of its choices is
    marked invalid (and described by its error) and left out, so it takes its default."""
    if not form.is_bound:
        return {}
    form.is_valid()
    for name in form.errors:
        field = form.fields.get(name)
        if field is not None:
            classes = field.widget.attrs.get("class", "")
            field.widget.attrs |= {
                "class": f"{classes} is-invalid",
                "aria-invalid": "true",
                "aria-describedby": f"{form[name].auto_id}-error",
            }
    return form.cleaned_data


@dataclass(frozen=True)
class Paged:
    page: Page
    note: str  # what the page says when it shows another page than the one asked for


def page_of(items: Any, size: int, asked: str | None) -> Paged:
    """The page asked for, else the nearest one there is (Paginator.get_page)."""
    page = Paginator(items, size).get_page(asked)
    note = ""
    if asked and asked != str(page.number):
        note = NO_SUCH_PAGE.format(
            asked=asked[:12], number=page.number, count=page.paginator.num_pages
        )
    return Paged(page, note)

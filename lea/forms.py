"""Forms for people and memberships. They parse and validate input; writes are services."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from lea.models import Role


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, labelled for people who log in with their email."""

    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    error_messages = {  # noqa: RUF012 -- Django's own instance-level mapping
        "invalid_login": "That email address and password do not match an account. "
        "Check both and try again; after several failed tries the account is locked for a while.",
        "inactive": "This account has been deactivated. "
        "Ask a CDE administrator if you need it back.",
    }


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address")
    full_name = forms.CharField(label="Full name", max_length=150, required=False)
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args: object, roles: list[Role], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)  # noqa: S101 -- narrows the type
        role_field.choices = [(role.value, role.label) for role in roles]
        if len(roles) > 1 and Role.LEA_MEMBER in roles:
            self.fields["role"].initial = Role.LEA_MEMBER


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label="Your full name", max_length=150)
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The two passwords are not the same.")
        return cleaned


class PeopleSearchForm(forms.Form):
    q = forms.CharField(label="Name or email", required=False)


class OrganizationFilterForm(forms.Form):
    q = forms.CharField(label="Name or code", required=False)
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "All kinds"), ("cde", "CDE"), ("selpa", "SELPA"), ("lea", "LEA")],
    )


UNTIL_BEFORE_SINCE = "The last day comes on or after the first."


class AccessRecordFilterForm(forms.Form):
    """Filters of an LEA's access record: who, and from which day to which (both kept)."""

    person = forms.TypedChoiceField(
        label="Person",
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    since = forms.DateField(
        label="From (day)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    until = forms.DateField(
        label="To (day, included)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )

    def __init__(self, *args: object, people: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        person_field = self.fields["person"]
        assert isinstance(person_field, forms.TypedChoiceField)  # noqa: S101 -- narrows the type
        person_field.choices = [("", "Everyone"), *people]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", UNTIL_BEFORE_SINCE)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs |= {"aria-invalid": "true", "aria-describedby": f"id_{name}-error"}
        return cleaned


class SecondFactorCodeForm(forms.Form):
    """A code from an authenticator app, or (when signing in) a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: object, label: str, help_text: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["code"].label = label
        self.fields["code"].help_text = help_text

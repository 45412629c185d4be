"""Pages about organisations and people. Each view: authorize through access, call one
selector or service, render or redirect."""

from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lea import access, selectors, services, services_mfa, throttle
from lea.client_ip import client_ip
from lea.forms import (
    AcceptInvitationForm,
    AccessRecordFilterForm,
    InvitationForm,
    OrganizationFilterForm,
    PeopleSearchForm,
)
from lea.models import AccessRecord, Invitation, Organization, User

PAGE_SIZE = 50


def _current_user(request: HttpRequest) -> User:
    # Only called behind @login_required, where the user is a real account.
    return cast(User, request.user)


def _first_error(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
@require_GET
def organization_list(request: HttpRequest) -> HttpResponse:
    form = OrganizationFilterForm(request.GET or None)
    query, kind = "", ""
    if form.is_valid():
        query, kind = form.cleaned_data["q"], form.cleaned_data["kind"]
    organizations = selectors.organization_list(user=_current_user(request), query=query, kind=kind)
    page = Paginator(organizations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lea/organization_list.html", {"form": form, "page": page})


def _members_page(
    request: HttpRequest, organization_id: int, invite_form: InvitationForm | None = None
) -> HttpResponse:
    user = _current_user(request)
    organization = access.get_organization_for(user, organization_id)
    roles = access.assignable_roles_for(user, organization)
    context = {
        "organization": organization,
        "people": selectors.organization_people(organization=organization),
        "can_manage": bool(roles),
        "sees_access_record": access.may_see_access_record(user, organization.pk),
        "invitations": selectors.pending_invitations(user=user, organization=organization)
        if roles
        else [],
        "invite_form": invite_form or (InvitationForm(roles=roles) if roles else None),
    }
    status = 400 if invite_form is not None and invite_form.errors else 200
    return render(request, "lea/organization_members.html", context, status=status)


@login_required
@require_GET
def organization_members(request: HttpRequest, organization_id: int) -> HttpResponse:
    return _members_page(request, organization_id)


@login_required
@require_POST
def invitation_create(request: HttpRequest, organization_id: int) -> HttpResponse:
    user = _current_user(request)
    organization = access.get_manageable_organization_for(user, organization_id)
    form = InvitationForm(request.POST, roles=access.assignable_roles_for(user, organization))
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=user, organization=organization, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email}. The link works once, "
                f"until {invitation.expires_at:%B %-d, %Y}.",
            )
            return redirect("organization_members", organization_id=organization.pk)
    return _members_page(request, organization_id, invite_form=form)


def _member_action(
    request: HttpRequest,
    organization: Organization,
    act: Callable[[], object],
    done: str,
) -> HttpResponse:
    """A one-button change on the members page: done, or refused with the reason; back
    to the page either way."""
    try:
        act()
    except ValidationError as error:
        messages.error(request, _first_error(error))
    else:
        messages.success(request, done)
    return redirect("organization_members", organization_id=organization.pk)


@login_required
@require_POST
def invitation_resend(
    request: HttpRequest, organization_id: int, invitation_id: int
) -> HttpResponse:
    user = _current_user(request)
    # Child first: another organisation's invitation is "not found" before any role check.
    organization = access.get_organization_for(user, organization_id)
    invitation = access.get_invitation_for(user, organization, invitation_id)
    access.require_manage_members(user, organization)
    return _member_action(
        request,
        organization,
        lambda: services.invitation_resend(actor=user, invitation=invitation),
        f"A new link was sent to {invitation.email}; the old one no longer works.",
    )


@login_required
@require_POST
def invitation_revoke(
    request: HttpRequest, organization_id: int, invitation_id: int
) -> HttpResponse:
    user = _current_user(request)
    organization = access.get_organization_for(user, organization_id)
    invitation = access.get_invitation_for(user, organization, invitation_id)
    access.require_manage_members(user, organization)
    return _member_action(
        request,
        organization,
        lambda: services.invitation_revoke(actor=user, invitation=invitation),
        f"The invitation to {invitation.email} was withdrawn.",
    )


@login_required
@require_POST
def membership_remove(
    request: HttpRequest, organization_id: int, membership_id: int
) -> HttpResponse:
    user = _current_user(request)
    # Child first: another organisation's membership is "not found" before any role check.
    organization = access.get_organization_for(user, organization_id)
    membership = access.get_membership_for(user, organization, membership_id)
    access.require_manage_members(user, organization)
    return _member_action(
        request,
        organization,
        lambda: services.membership_remove(actor=user, membership=membership),
        f"{membership.user.display_name} no longer has the role "
        f"{membership.get_role_display()} in {organization}.",
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link. A new person sets a name and password; someone with an
    account logs in as the invited address and confirms."""
    invitation = access.invitation_for_token(token)
    if invitation is None or not invitation.is_pending:
        status = 404 if invitation is None else 410
        return render(
            request, "lea/invitation_invalid.html", {"invitation": invitation}, status=status
        )
    context: dict[str, object] = {"invitation": invitation}
    if access.accounts_with_email_for_system(invitation.email).exists():
        signed_in_as_invitee = (
            request.user.is_authenticated and request.user.email.lower() == invitation.email
        )
        context["signed_in_as_invitee"] = signed_in_as_invitee
        if request.method == "POST" and signed_in_as_invitee:
            return _accept(request, invitation, full_name="", password=None)
        return render(request, "lea/invitation_accept_existing.html", context)
    form = AcceptInvitationForm(request.POST or None, initial={"full_name": invitation.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            return _accept(
                request,
                invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            form.add_error("password1", error)
    context["form"] = form
    return render(
        request, "lea/invitation_accept.html", context, status=400 if form.errors else 200
    )


def _accept(
    request: HttpRequest, invitation: Invitation, *, full_name: str, password: str | None
) -> HttpResponse:
    try:
        user = services.invitation_accept(
            invitation=invitation, full_name=full_name, password=password
        )
    except ValidationError as error:
        if password is not None and services.INVITATION_NOT_PENDING not in error.messages:
            raise
        messages.error(request, _first_error(error))
        return redirect("home" if request.user.is_authenticated else "login")
    if not request.user.is_authenticated:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, f"Welcome to {invitation.organization} on CIM Portal.")
    return redirect("home")


@login_required
@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    if not user.has_perm("lea.change_user"):
        raise PermissionDenied("Only CDE administrators manage people.")
    form = PeopleSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.people_list(user=user, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "lea/people_list.html", {"form": form, "page": page})


@login_required
@require_GET
def person_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    person = access.get_user_for(_current_user(request), user_id)
    return render(
        request,
        "lea/person_detail.html",
        {
            "person": person,
            "memberships": selectors.person_memberships(person=person),
            "has_second_factor": services_mfa.has_second_factor(person),
            "second_factor_required": services_mfa.must_use_second_factor(person),
        },
    )


@login_required
@require_POST
def person_set_active(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _current_user(request)
    person = access.get_user_for(actor, user_id)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=actor, user=person, active=active)
    except ValidationError as error:
        messages.error(request, _first_error(error))
    else:
        state = "can log in again" if active else "can no longer log in"
        messages.success(request, f"{person.display_name} {state}.")
    return redirect("person_detail", user_id=person.pk)


@login_required
@require_POST
def session_keepalive(request: HttpRequest) -> HttpResponse:
    # The idle-timeout middleware has already renewed the session by now.
    return HttpResponse(status=204)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's own page, with the change audited in the same transaction."""

    @method_decorator(transaction.atomic)
    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        services.user_password_changed(actor=form.user, user=form.user, via="self")
        return response


RESET_EMAILS_THROTTLED = (
    "Too many password-reset emails were asked for, for this address or from this network. "
    "No email was sent. Use the link in an email you already have, or try again in an hour."
)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's own page, throttled per client address and per account (the email typed,
    whether or not an account has it, so the refusal tells nothing about accounts)."""

    # The email's plain text is Django's default template name; this is its HTML part.
    html_email_template_name = "registration/password_reset_email_body.html"

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        allowed = throttle.allow(
            scope="password_reset",
            limits={
                "address": (client_ip(self.request), settings.PASSWORD_RESET_LIMIT_PER_ADDRESS),
                "account": (
                    form.cleaned_data["email"].strip().lower(),
                    settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT,
                ),
            },
            window_seconds=60 * 60,
        )
        if not allowed:
            form.add_error(None, RESET_EMAILS_THROTTLED)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's own page behind an emailed reset link, the change audited."""

    @method_decorator(transaction.atomic)
    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        services.user_password_changed(actor=form.user, user=form.user, via="reset")
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "csrf_failure.html", status=403)


# --- Who has seen this LEA's records ---------------------------------------------------------


def _access_record(
    request: HttpRequest, organization_id: int
) -> tuple[Organization, AccessRecordFilterForm, QuerySet[AccessRecord]]:
    """The LEA (404 unless the user is a CDE administrator or leads it), the filters as
    asked for, and the rows they leave; a filter that does not parse is shown and unused."""
    lea = access.get_access_record_lea_for(request.user, organization_id)
    people = selectors.access_record_people(user=_current_user(request), lea=lea)
    form = AccessRecordFilterForm(request.GET or None, people=people)
    form.is_valid()  # a bound form keeps the filters that parsed in cleaned_data
    filters = form.cleaned_data if form.is_bound else {}
    rows = selectors.access_record_list(
        user=_current_user(request),
        lea=lea,
        person_id=filters.get("person"),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    return lea, form, rows


@login_required
@require_GET
def organization_access_record(request: HttpRequest, organization_id: int) -> HttpResponse:
    lea, form, rows = _access_record(request, organization_id)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "lea/access_record.html",
        {
            "organization": lea,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "retention": _retention_words(settings.ACCESS_RECORD_RETENTION_DAYS),
        },
    )


def _retention_words(days: int) -> str:
    years = days / 365.25
    return f"{round(years)} years" if abs(years - round(years)) < 0.01 else f"{days} days"


@login_required
@require_GET
def organization_access_record_csv(request: HttpRequest, organization_id: int) -> HttpResponse:
    lea, _, rows = _access_record(request, organization_id)
    response = HttpResponse(
        selectors.access_records_csv(rows.iterator(chunk_size=2000)),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"access-record-{lea.code or lea.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""Reads for pages about organisations and people. Each starts from an access.py queryset."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from lea import access
from lea.compiled import ANYONE, bound, compiled
from lea.models import AccessRecord, Invitation, Membership, Organization, Role, User


@dataclass
class OrganizationCard:
    organization: Organization
    my_roles: list[str]
    people: list[Membership]
    can_manage: bool


@dataclass
class HomeOverview:
    cards: list[OrganizationCard] = field(default_factory=list)
    selpa_leas: list[Organization] = field(default_factory=list)
    is_cde_admin: bool = False
    is_cde_staff: bool = False
    statewide_counts: dict[str, int] = field(default_factory=dict)


def _people_prefetch(organizations: Collection[int]) -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=access.active_memberships_for_organizations(organizations)
        .select_related("user")
        .order_by("role", "user__full_name", "user__email"),
        to_attr="active_people",
    )


def home_overview(*, user: User) -> HomeOverview:
    """The user's organisations with their people; for SELPA reviewers their LEAs too."""
    mine = access.own_membership_list_for(user)
    roles_by_org: dict[int, list[str]] = {}
    for membership in mine:
        roles_by_org.setdefault(membership.organization_id, []).append(
            membership.get_role_display()
        )
    organizations = (
        access.organizations_for(user)
        .filter(pk__in=roles_by_org)
        .select_related("selpa")
        .prefetch_related(_people_prefetch(list(roles_by_org)))
    )
    manageable = set(
        access.manageable_organizations_for(user)
        .filter(pk__in=roles_by_org)
        .values_list("pk", flat=True)
    )
    overview = HomeOverview(
        cards=[
            OrganizationCard(
                organization=org,
                my_roles=roles_by_org[org.pk],
                people=org.active_people,  # type: ignore[attr-defined]
                can_manage=org.pk in manageable,
            )
            for org in organizations
        ]
    )
    my_selpas = [m.organization_id for m in mine if m.role == Role.SELPA_REVIEWER]
    if my_selpas:
        overview.selpa_leas = list(
            access.organizations_for(user)
            .filter(selpa__in=my_selpas)
            .select_related("selpa")
            .annotate(
                people_count=Count("memberships", filter=Q(memberships__user__is_active=True))
            )
            .order_by("selpa__name", "name")
        )
    roles = {m.role for m in mine}
    overview.is_cde_admin = Role.CDE_ADMIN in roles
    overview.is_cde_staff = bool(roles & {Role.CDE_ADMIN, Role.CDE_CONSULTANT})
    if overview.is_cde_staff:
        counts = access.organizations_for(user).values("kind").annotate(n=Count("pk"))
        overview.statewide_counts = {row["kind"]: row["n"] for row in counts}
    return overview


def organization_list(*, user: User, query: str = "", kind: str = "") -> QuerySet[Organization]:
    organizations = access.organizations_for(user).select_related("selpa")
    if kind:
        organizations = organizations.filter(kind=kind)
    if query:
        organizations = organizations.filter(Q(name__icontains=query) | Q(code__startswith=query))
    return organizations.annotate(
        people_count=Count("memberships", filter=Q(memberships__user__is_active=True))
    ).order_by("kind", "name")


def organization_people(*, organization: Organization) -> list[Membership]:
    return list(
        organization.memberships.filter(user__is_active=True)
        .select_related("user")
        .order_by("role", "user__full_name", "user__email")
    )


def pending_invitations(*, user: User, organization: Organization) -> list[Invitation]:
    invitations = access.invitations_for(user).filter(
        organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
    )
    return list(invitations.select_related("invited_by").order_by("-created_at"))


def people_list(*, user: User, query: str = "") -> QuerySet[User]:
    people = access.users_for(user)
    if query:
        people = people.filter(Q(full_name__icontains=query) | Q(email__icontains=query))
    return people.prefetch_related(
        Prefetch(
            "memberships",
            queryset=access.memberships_for_people(people).select_related("organization"),
        )
    ).order_by("full_name", "email")


def person_memberships(*, person: User) -> list[Membership]:
    return list(person.memberships.select_related("organization").order_by("organization__name"))


# --- The access record: who has seen an LEA's records ---------------------------------------

ACCESS_RECORD_COLUMNS = ("when", "name", "email", "what", "which", "page", "from")
# Cells Excel would run as a formula (as in steps' status downloads): a name or a page
# address is typed by people.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _start_of(day: date) -> datetime:
    """Midnight of a California day (TIME_ZONE), as an aware time."""
    return timezone.make_aware(datetime.combine(day, time.min))


def access_record_list(
    *, user: User, lea: Organization, person_id: int | None, since: date | None, until: date | None
) -> QuerySet[AccessRecord]:
    """The LEA's access record, newest first, for one person and days (both included)."""
    rows = access.access_records_for(user, lea).select_related("user").order_by("-at", "-pk")
    if person_id is not None:
        rows = rows.filter(user_id=person_id)
    if since is not None:
        rows = rows.filter(at__gte=_start_of(since))
    if until is not None:
        rows = rows.filter(at__lt=_start_of(until + timedelta(days=1)))
    return rows


def access_record_people(*, user: User, lea: Organization) -> list[tuple[int, str]]:
    """Everyone who appears in the LEA's access record, by name, for the person filter."""
    people = access.access_record_readers_for(user, lea).order_by("full_name", "email")
    return [
        (pk, f"{full_name} ({email})" if full_name else email)
        for pk, full_name, email in people.values_list("pk", "full_name", "email")
    ]


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_PREFIXES) else value


def access_records_csv(rows: Iterable[AccessRecord]) -> str:
    """The rows as CSV, California time, with the words of the page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ACCESS_RECORD_COLUMNS)
    for row in rows:
        at = timezone.localtime(row.at).isoformat(sep=" ", timespec="seconds")
        cells = (
            at,
            row.user.full_name,
            row.user.email,
            row.get_kind_display(),
            row.object_repr,
            row.path,
            row.client_address,
        )
        writer.writerow([_cell(cell) for cell in cells])
    return buffer.getvalue()


# What the menu of every signed-in page asks: whether the person reviews anyone's work
# (SELPA reviewer, CDE consultant or administrator) and three statewide permissions.
REVIEWING_ROLES = (Role.SELPA_REVIEWER, Role.CDE_CONSULTANT, Role.CDE_ADMIN)
MENU_PERMISSIONS = {
    "people": ("lea", "change_user"),
    "consultants": ("steps", "add_consultantassignment"),
    "adl_load": ("steps", "add_adlupload"),
}


@functools.cache
def _menu_query() -> tuple[str, tuple[Any, ...]]:
    """The menu's SQL and parameters for ANYONE, compiled once per process: building
    the query through the ORM cost every page more than running it.

    One UNION of two index lookups: the person's reviewing roles, and which of the
    menu's permissions they hold themselves or through a group. (EXISTS subqueries per
    answer took PostgreSQL longer to plan than the three queries took to run.)"""
    own = User.user_permissions.through.objects.filter(user_id=ANYONE)
    through_groups = Group.permissions.through.objects.filter(group__user=ANYONE)
    menu = Q.create(
        [Q(content_type__app_label=app, codename=code) for app, code in MENU_PERMISSIONS.values()],
        connector=Q.OR,
    )
    held = (
        Permission.objects.filter(menu)
        .filter(
            Q(pk__in=own.values("permission_id")) | Q(pk__in=through_groups.values("permission_id"))
        )
        .order_by()
        .values_list("codename")
    )
    anyone = User(pk=ANYONE, is_active=True)
    roles = (
        access.own_memberships_for(anyone)
        .filter(role__in=REVIEWING_ROLES)
        .select_related(None)
        .order_by()
        .values_list("role")
    )
    return compiled(held.union(roles).order_by(), {ANYONE})


def menu_for(*, user: User | None) -> dict[str, bool]:
    """The menu's answers in one query; `perms.<app>.<codename>` in a template would cost
    the two queries of ModelBackend's permission cache, and `reviews_anyone` a third, on
    every page. Same answers as `user.has_perm` (the person's own and their groups'
    permissions; all of them for an active superuser; none for an inactive account)."""
    answers = dict.fromkeys(["reviews_anyone", *MENU_PERMISSIONS], False)
    if user is None or not user.is_active:
        return answers
    known = _menu_answers_already_read(user)
    if known is not None:
        found = known
    else:
        sql, params = _menu_query()
        with connection.cursor() as cursor:
            cursor.execute(sql, bound(params, {ANYONE: user.pk}))
            found = {name for (name,) in cursor.fetchall()}
    answers["reviews_anyone"] = bool(found & set(REVIEWING_ROLES))
    for name, (_app, codename) in MENU_PERMISSIONS.items():
        answers[name] = user.is_superuser or codename in found
    return answers


def _menu_answers_already_read(user: User) -> set[str] | None:
    """The menu's roles and codenames from what this request has already read of the
    person, when it has read both their memberships (`access.own_membership_list_for`)
    and their permissions (Django's `_perm_cache`, which lea.auth fills with the same
    sets as ModelBackend; an active superuser holds every one): then the menu costs no
    query. None when either is unread."""
    memberships = access.membership_list_if_read(user)
    # getattr, not __dict__: ModelBackend sets it through request.user's lazy wrapper.
    permissions: set[str] | None = getattr(user, "_perm_cache", None)
    if memberships is None or (permissions is None and not user.is_superuser):
        return None
    roles = {membership.role for membership in memberships} & set(REVIEWING_ROLES)
    held = {
        codename
        for app_label, codename in MENU_PERMISSIONS.values()
        if user.is_superuser or f"{app_label}.{codename}" in (permissions or set())
    }
    return roles | held

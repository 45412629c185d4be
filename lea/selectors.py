"""Reads for pages about organisations and people. Each starts from an access.py queryset."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from lea import access
from lea.models import Invitation, Membership, Organization, Role, User


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
    engagements: list[Any] = field(default_factory=list)


def _people_prefetch() -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(user__is_active=True)
        .select_related("user")
        .order_by("role", "user__full_name", "user__email"),
        to_attr="active_people",
    )


def home_overview(*, user: User) -> HomeOverview:
    """The user's organisations with their people; for SELPA reviewers their LEAs too."""
    mine = list(access.own_memberships(user))
    roles_by_org: dict[int, list[str]] = {}
    for membership in mine:
        roles_by_org.setdefault(membership.organization_id, []).append(
            membership.get_role_display()
        )
    organizations = (
        access.organizations_for(user)
        .filter(pk__in=roles_by_org)
        .select_related("selpa")
        .prefetch_related(_people_prefetch())
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
    overview.engagements = list(
        access.engagements_of_own_leas(user).select_related("lea", "cohort").order_by("lea__name")
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
        Prefetch("memberships", queryset=Membership.objects.select_related("organization"))
    ).order_by("full_name", "email")


def person_memberships(*, person: User) -> list[Membership]:
    return list(person.memberships.select_related("organization").order_by("organization__name"))

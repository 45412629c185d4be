"""Box 1, the CIM team: who is on it, whether the roles the cohort's catalog requires are
covered, who leads it, and which members already have an account on the LEA's CIM team."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from cim.catalog_rules import Choice, label_of
from lea import access as lea_access
from lea.models import Role, User
from steps import access
from steps.forms import _no_nul
from steps.merge import fingerprints, version_token
from steps.merge_forms import RowFormMixin
from steps.models import ActivityRecord, Engagement, TeamMember
from steps.parts import Entry, entry, or_empty
from steps.services.part_team import member_values, team_roles

TEMPLATE = "steps/parts/team.html"

MISSING_ROLE = "Box 1: nobody on the team is in the role “{role}”. Add one, or explain why."
# The state recommends a lead (file 002, box 1): a warning, never a block on submitting.
NO_LEAD = (
    "Box 1: no CIM team lead is appointed yet. The state recommends appointing one, "
    "before, during or after team creation."
)
NO_MEMBERS = "Box 1: the CIM team has no members yet."
# Box 1 asks the name, title, role and email address of each member.
MEMBER_INCOMPLETE = "Box 1: {name}: {missing} not given yet."
# The box answer that explains a missing required role (saved by the answers form).
EXCEPTION_FIELD = "exception_explanation"
# Form prefixes keep field ids unique on a page that also carries the box answers form.
ADD = "member"
EDIT = "edit-member"


class TeamMemberForm(RowFormMixin, forms.ModelForm):
    """One member as typed, with the activity's version token and each field's base
    (steps/merge_forms.py), so a save merges with others' instead of overwriting them."""

    form_id = "team-edit"

    class Meta:
        model = TeamMember
        fields = ("name", "title", "role", "email", "is_lead")
        help_texts: ClassVar[dict[str, str]] = {
            "is_lead": "Only one member leads the team; choosing a new lead moves it."
        }

    def __init__(self, *args: Any, roles: list[Choice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "title"):
            self.fields[name].validators.append(_no_nul)
        # The cohort's catalog lists the roles, in the state's words.
        self.fields["role"] = forms.ChoiceField(
            label="Role", choices=[("", "Choose…"), *((r.value, r.label) for r in roles)]
        )


def roles_of(record: ActivityRecord) -> list[Choice]:
    return team_roles(cohort_id=record.engagement.cohort_id)


def edit_form(record: ActivityRecord, member: TeamMember) -> TeamMemberForm:
    """The member's edit form as drawn now: its values, their bases, the version token."""
    values = member_values(member)
    return TeamMemberForm(
        initial={**values, "version": version_token(record)},
        bases=fingerprints(values),
        prefix=EDIT,
        roles=roles_of(record),
    )


@dataclass(frozen=True)
class RoleCheck:
    label: str
    covered: bool


@dataclass(frozen=True)
class MemberRow:
    member: TeamMember
    role: str  # the role in the state's words
    # "account": already on the LEA's CIM team; "invited": an invitation is waiting.
    account: str


def team_members_of(engagement: Engagement) -> QuerySet[TeamMember]:
    """The engagement's team; a member id from anywhere else is not found."""
    return TeamMember.objects.filter(engagement=engagement)


def get_member_in_engagement(engagement: Engagement, member_id: int) -> TeamMember:
    return get_object_or_404(
        team_members_of(engagement).select_related("record", "engagement__lea"), pk=member_id
    )


def role_checks(members: list[TeamMember], roles: list[Choice]) -> list[RoleCheck]:
    """The roles the catalog requires on the team, each covered or not."""
    covered = {member.role for member in members}
    return [
        RoleCheck(label=role.label, covered=role.value in covered)
        for role in roles
        if role.required
    ]


def _account_states(
    engagement: Engagement, members: list[TeamMember], user: User
) -> dict[str, str]:
    """Per lower-cased email: whether that person already holds an LEA CIM role, or (for
    those who manage the team) has an invitation waiting."""
    emails = {member.email.lower() for member in members if member.email}
    if not emails:
        return {}
    states: dict[str, str] = {}
    pending = (
        lea_access.invitations_for(user)
        .annotate(lower_email=Lower("email"))
        .filter(
            organization=engagement.lea,
            lower_email__in=emails,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        )
        .values_list("lower_email", flat=True)
    )
    states.update(dict.fromkeys(pending, "invited"))
    accounts = (
        lea_access.memberships_for(user)
        .annotate(lower_email=Lower("user__email"))
        .filter(
            organization=engagement.lea,
            lower_email__in=emails,
            role__in=(Role.LEA_LEAD, Role.LEA_MEMBER),
        )
        .values_list("lower_email", flat=True)
    )
    states.update(dict.fromkeys(accounts, "account"))
    return states


def context(
    *,
    record: ActivityRecord,
    user: User,
    add_form: TeamMemberForm | None = None,
    edit_form: TeamMemberForm | None = None,
    editing: TeamMember | None = None,
) -> dict[str, Any]:
    """What team.html needs. Views pass a bound `add_form`, or an `edit_form` with the
    member being edited, to show what was typed and the errors beside the fields."""
    engagement = record.engagement
    members = list(team_members_of(engagement))
    states = _account_states(engagement, members, user)
    manages_members = lea_access.may_manage_members(user, engagement.lea)
    roles = roles_of(record)
    return {
        "rows": [
            MemberRow(member, label_of(roles, member.role), states.get(member.email.lower(), ""))
            for member in members
        ],
        "roles": role_checks(members, roles),
        "can_invite": manages_members,
        # The lead manages the team's composition; members and reviewers read it.
        "can_manage": manages_members and access.may_edit_engagement(user, engagement),
        "add_form": add_form
        or TeamMemberForm(initial={"version": version_token(record)}, prefix=ADD, roles=roles),
        "edit_form": edit_form,
        "editing": editing,
        "no_lead": NO_LEAD if members and not any(m.is_lead for m in members) else "",
    }


def check(*, record: ActivityRecord) -> list[str]:
    members = list(team_members_of(record.engagement))
    if not members:
        return [NO_MEMBERS]
    problems = []
    explained = str(record.responses.get(EXCEPTION_FIELD) or "").strip()
    if not explained:
        problems += [
            MISSING_ROLE.format(role=role.label)
            for role in role_checks(members, roles_of(record))
            if not role.covered
        ]
    # The form requires a name and a role; a draft may leave the title and email empty.
    for member in members:
        given = (("title", member.title), ("email address", member.email))
        if missing := [label for label, value in given if not value.strip()]:
            problems.append(
                MEMBER_INCOMPLETE.format(name=member.name, missing=" and ".join(missing))
            )
    return problems


def warnings(*, record: ActivityRecord) -> list[str]:
    """What the state recommends but does not require: shown, never blocking."""
    leads = list(team_members_of(record.engagement).values_list("is_lead", flat=True))
    return [NO_LEAD] if leads and not any(leads) else []


def snapshot(*, record: ActivityRecord) -> list[Entry]:
    """One entry per member: "Name, Title — Role <email> (team lead)"."""
    roles = roles_of(record)
    return or_empty(
        [
            entry(
                f"team:{member.pk}",
                f"Box 1 · Team member {number}",
                _member_line(member, label_of(roles, member.role)),
            )
            for number, member in enumerate(team_members_of(record.engagement), start=1)
        ],
        "team",
        "Box 1 · CIM team members",
    )


def _member_line(member: TeamMember, role: str) -> str:
    who = ", ".join(words for words in (member.name.strip(), member.title.strip()) if words)
    line = f"{who} — {role}"
    if member.email:
        line += f" <{member.email}>"
    return line + (" (team lead)" if member.is_lead else "")

"""Box 1, the CIM team: who is on it, whether the roles the cohort's catalog requires are
covered, who leads it, and which members already have an account on the LEA's CIM team."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from cim.catalog_rules import Choice, box_field, item_choices, label_of
from lea import access as lea_access
from lea.models import AuditVerb, Role, User
from steps import access
from steps.forms import _no_nul
from steps.merge import version_token
from steps.merge_forms import RowFormMixin
from steps.models import ActivityRecord, Engagement, TeamMember
from steps.parts import Entry, entry, or_empty
from steps.parts.rows import RowPart, Verbs, of_engagement
from steps.services.parts_merge import values_for, words

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
NOT_A_ROLE = "Choose one of the roles the state lists for the CIM team."
# The box 1 field whose items are the team's members; the catalog gives their roles.
MEMBERS_FIELD = "members"


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


def team_roles(*, cohort_id: int) -> list[Choice]:
    """The roles a member of the cohort's CIM teams may have, the required ones marked, in
    the state's words (the catalog's box 1)."""
    return item_choices(box_field(cohort_id=cohort_id, name=MEMBERS_FIELD), "role")


def roles_of(record: ActivityRecord) -> list[Choice]:
    return team_roles(cohort_id=record.engagement.cohort_id)


def _member_roles(member: TeamMember) -> list[Choice]:
    return team_roles(cohort_id=member.engagement.cohort_id)


@values_for(TeamMember)
def member_values(member: TeamMember) -> dict[str, Any]:
    """The member's values as the form names them."""
    return {
        "name": member.name,
        "title": member.title,
        "role": member.role,
        "email": member.email,
        "is_lead": member.is_lead,
    }


def _role_listed(member: TeamMember) -> None:
    if member.role not in {role.value for role in _member_roles(member)}:
        raise ValidationError({"role": NOT_A_ROLE})


def _keep_one_lead(member: TeamMember) -> None:
    # The box names one lead: choosing a new one moves the designation.
    if member.is_lead:
        access.rows_for_engagement(TeamMember, member.engagement_id).filter(is_lead=True).exclude(
            pk=member.pk
        ).update(is_lead=False)


def _roles_in_words(member: TeamMember) -> Callable[[str, Any], Any]:
    roles = _member_roles(member)

    def said(name: str, value: Any) -> Any:
        return label_of(roles, value) if name == "role" else words(value)

    return said


def _may_manage_members(user: User, engagement: Engagement) -> None:
    # Members write the other activities; the lead manages who is on the team.
    lea_access.require_manage_members(user, engagement.lea)


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


def team_members_for_engagement(engagement: Engagement) -> QuerySet[TeamMember]:
    """The engagement's team; a member id from anywhere else is not found."""
    return access.rows_for_engagement(TeamMember, engagement)


TEAM_MEMBERS = RowPart[TeamMember](
    part="team",
    model=TeamMember,
    noun="team member",
    url="team",
    url_name="team_member",
    rows_of=of_engagement(team_members_for_engagement),
    form=lambda record, *args, **kwargs: TeamMemberForm(*args, roles=roles_of(record), **kwargs),
    add_prefix=ADD,
    edit_prefix=EDIT,
    check=_role_listed,
    after_write=_keep_one_lead,
    described=_roles_in_words,
    may_write=_may_manage_members,
    verbs=Verbs(
        add=AuditVerb.TEAM_ADD_MEMBER,
        edit=AuditVerb.TEAM_EDIT_MEMBER,
        remove=AuditVerb.TEAM_REMOVE_MEMBER,
    ),
    about=lambda member: {
        "member": f"{member.name} ({label_of(_member_roles(member), member.role)})"
    },
    added=lambda member: {"team lead": "yes"} if member.is_lead else {},
    said_added=lambda member: f"{member.name} is on the team.",
    said_saved=lambda member: f"{member.name}'s details are saved.",
    said_removed=lambda member: f"{member.name} is no longer on the team.",
)
ROWS = (TEAM_MEMBERS,)


def get_member_in_engagement(engagement: Engagement, member_id: int) -> TeamMember:
    """A member to invite: the engagement's own, with its LEA (an id from anywhere else is
    not found)."""
    return get_object_or_404(
        team_members_for_engagement(engagement).select_related("engagement__lea"), pk=member_id
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
    members = list(team_members_for_engagement(engagement))
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
    members = list(team_members_for_engagement(record.engagement))
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
    leads = list(team_members_for_engagement(record.engagement).values_list("is_lead", flat=True))
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
            for number, member in enumerate(team_members_for_engagement(record.engagement), start=1)
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

"""The second factor: an authenticator app (TOTP) with ten one-time recovery codes, on
django-otp. CDE staff and SELPA reviewers must set one up (they see many LEAs); LEA
people may. Setting up, each use, each failed try, each recovery code and a reset by a
CDE administrator leave an AuditEvent."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.crypto import salted_hmac
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lea import access, data_version
from lea.models import AuditEvent, AuditVerb, Role, User
from lea.services import ACTOR_REFUSED, audit

RECOVERY_CODE_COUNT = 10
# Roles that see many LEAs' records: they may not work without a second factor.
ROLES_NEEDING_SECOND_FACTOR = (Role.CDE_ADMIN, Role.CDE_CONSULTANT, Role.SELPA_REVIEWER)

WRONG_SETUP_CODE = (
    "That code does not match. Check that the app shows “CIM Portal” and your email, and "
    "type the 6 digits it shows now."
)
WRONG_CODE = "That code is not right. Type the 6 digits your app shows now, or a recovery code."
REPLAYED_CODE = (
    "That code was used already. Wait for your app to show a new code (within 30 seconds) "
    "and type that one."
)
USED_RECOVERY_CODE = (
    "That recovery code was used already: each one works once. Use your app or another "
    "recovery code."
)
TOO_MANY_TRIES = "Too many wrong codes. Wait {seconds} seconds, then try again."
STILL_REQUIRED = (
    "Your role (CDE staff or SELPA reviewer) needs two-step verification, so it stays on. "
    "To move it to a new phone, ask a CDE administrator to reset it."
)
NOT_SET_UP = "Two-step verification is not set up for this account."


class Next(StrEnum):
    """What a signed-in session needs before it may see any page."""

    NOTHING = "nothing"
    VERIFY = "verify"  # has a second factor: type a code
    ENROL = "enrol"  # must set one up first


def must_use_second_factor(user: User) -> bool:
    """CDE staff and SELPA reviewers, while MFA_REQUIRED_FOR_STAFF is on."""
    return (
        settings.MFA_REQUIRED_FOR_STAFF
        and access.own_memberships_for(user).filter(role__in=ROLES_NEEDING_SECOND_FACTOR).exists()
    )


def has_second_factor(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def second_factor_next(user: User) -> Next:
    """What this not yet verified session must do next."""
    if has_second_factor(user):
        return Next.VERIFY
    return Next.ENROL if must_use_second_factor(user) else Next.NOTHING


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _totp_at(device: TOTPDevice, t: int) -> int:
    """The code of time step t (a step as stored in last_t, drift included)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    totp.time = device.t0 + t * device.step
    return totp.token()


def _code_digest(user: User, code: str) -> str:
    """What the audit keeps of a used recovery code: enough to know it again, not the code."""
    return salted_hmac(
        "lea.mfa.recovery-code", f"{user.pk}:{code}", algorithm="sha256"
    ).hexdigest()[:32]


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


@transaction.atomic
def second_factor_enrol(*, actor: User, user: User, key: str, code: str) -> Enrolment:
    """Set up an authenticator app whose secret (`key`, hex) the person was shown, proven
    by its first `code`, and issue fresh recovery codes. A person sets up their own only;
    someone who has one already gets it reset by a CDE administrator first."""
    if not (actor == user and actor.is_active):
        raise PermissionDenied(ACTOR_REFUSED)
    if has_second_factor(user):
        raise ValidationError("Two-step verification is already set up for this account.")
    device = TOTPDevice(user=user, name="Authenticator app", key=key, confirmed=False)
    device.full_clean(exclude=["user"])
    device.save()
    # verify_token records the code's time step, so the same code cannot log in again.
    if not device.verify_token(code.strip().replace(" ", "")):
        raise ValidationError(WRONG_SETUP_CODE)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _issue_recovery_codes(user)
    audit(
        actor=actor,
        verb=AuditVerb.MFA_ENROL,
        target=user,
        changes={"method": [None, "totp"], "recovery_codes": [None, RECOVERY_CODE_COUNT]},
    )
    return Enrolment(device=device, recovery_codes=codes)


def _issue_recovery_codes(user: User) -> list[str]:
    """Ten fresh recovery codes; any earlier ones stop working. The device itself stays:
    a session verified with one of the old codes is bound to it, and must stay signed in."""
    recovery, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "Recovery codes", "confirmed": True}
    )
    recovery.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    return codes


@dataclass(frozen=True)
class Verification:
    device: Device | None
    error: str = ""
    recovery_codes_left: int | None = None  # after a recovery code was used


def _failed(actor: User, reason: str, message: str) -> Verification:
    audit(
        actor=actor,
        verb=AuditVerb.MFA_VERIFY_FAILED,
        target=actor,
        changes={"reason": [None, reason]},
    )
    return Verification(device=None, error=message)


def _throttled(device: Device) -> str:
    allowed, details = device.verify_is_allowed()
    if allowed:
        return ""
    count = max((details or {}).get("failure_count", 1), 1)
    return TOO_MANY_TRIES.format(seconds=device.get_throttle_factor() * 2 ** (count - 1))


@transaction.atomic
def second_factor_verify(*, actor: User, code: str) -> Verification:
    """Check the code the signed-in person typed: their app's current code or an unused
    recovery code. A refusal is returned, not raised, so its audit row is kept."""
    code = code.strip().replace(" ", "").replace("-", "").lower()
    devices = list(devices_for_user(actor, confirmed=True, for_verify=True))
    totp = next((d for d in devices if isinstance(d, TOTPDevice)), None)
    recovery = next((d for d in devices if isinstance(d, StaticDevice)), None)
    if totp is None and recovery is None:
        return Verification(device=None, error=WRONG_CODE)
    if code.isdigit() and totp is not None:
        return _verify_app_code(actor, totp, code)
    if recovery is not None:
        return _verify_recovery_code(actor, recovery, code)
    return _failed(actor, "wrong", WRONG_CODE)


def _verify_app_code(actor: User, totp: TOTPDevice, code: str) -> Verification:
    if waiting := _throttled(totp):
        return _failed(actor, "throttled", waiting)
    if totp.verify_token(code):
        audit(
            actor=actor, verb=AuditVerb.MFA_VERIFY, target=actor, changes={"method": [None, "totp"]}
        )
        return Verification(device=totp)
    if totp.last_t >= 0 and code == str(_totp_at(totp, totp.last_t)).zfill(totp.digits):
        return _failed(actor, "replayed", REPLAYED_CODE)
    return _failed(actor, "wrong", WRONG_CODE)


def _verify_recovery_code(actor: User, recovery: StaticDevice, code: str) -> Verification:
    if waiting := _throttled(recovery):
        return _failed(actor, "throttled", waiting)
    digest = _code_digest(actor, code)
    if recovery.verify_token(code):
        left = recovery.token_set.count()
        audit(
            actor=actor,
            verb=AuditVerb.MFA_RECOVERY_CODE_USED,
            target=actor,
            changes={"code": [digest, None], "left": [left + 1, left]},
        )
        return Verification(device=recovery, recovery_codes_left=left)
    # A used code is one the audit saw go: [digest, None].
    used = AuditEvent.objects.filter(
        actor=actor, verb=AuditVerb.MFA_RECOVERY_CODE_USED, changes__code=[digest, None]
    ).exists()
    if used:
        return _failed(actor, "recovery_code_reused", USED_RECOVERY_CODE)
    return _failed(actor, "wrong", WRONG_CODE)


@transaction.atomic
def second_factor_reset(*, actor: User, user: User) -> None:
    """Remove a person's authenticator app and recovery codes (a lost phone): they set
    up again at their next page. A CDE administrator, for the people they manage."""
    if actor == user or not access.may_manage_person(actor, user):
        raise PermissionDenied(ACTOR_REFUSED)
    removed = [str(device.persistent_id) for device in devices_for_user(user, confirmed=None)]
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit(actor=actor, verb=AuditVerb.MFA_RESET, target=user, changes={"devices": [removed, None]})
    data_version.changed()


def _own_and_set_up(actor: User, user: User) -> None:
    if not (actor == user and actor.is_active):
        raise PermissionDenied(ACTOR_REFUSED)
    if not has_second_factor(user):
        raise ValidationError(NOT_SET_UP)


def _proven(actor: User, code: str) -> None:
    """A change to one's own second factor is proven again with a code, so a session left
    open on a shared computer cannot make it. The try is audited as any sign-in code."""
    result = second_factor_verify(actor=actor, code=code)
    if result.device is None:
        raise ValidationError(result.error)


def second_factor_new_recovery_codes(*, actor: User, user: User, code: str) -> list[str]:
    """Replace a person's recovery codes with ten new ones (used up, or lost), proven by a
    code from the app or a recovery code. A person does this for themselves only."""
    _own_and_set_up(actor, user)
    _proven(actor, code)  # its own transaction: a wrong code's audit row is kept
    with transaction.atomic():
        codes = _issue_recovery_codes(user)
        audit(
            actor=actor,
            verb=AuditVerb.MFA_RECOVERY_CODES_RENEWED,
            target=user,
            changes={"recovery_codes": [None, RECOVERY_CODE_COUNT]},
        )
    return codes


def second_factor_turn_off(*, actor: User, user: User, code: str) -> None:
    """Turn off a person's own two-step verification, proven by a code. Only for people
    whose role does not need it (CDE staff and SELPA reviewers keep it on)."""
    _own_and_set_up(actor, user)
    if must_use_second_factor(user):
        raise ValidationError(STILL_REQUIRED)
    _proven(actor, code)
    with transaction.atomic():
        removed = [str(device.persistent_id) for device in devices_for_user(user, confirmed=None)]
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit(
            actor=actor,
            verb=AuditVerb.MFA_TURN_OFF,
            target=user,
            changes={"devices": [removed, None]},
        )

"""Running a state-machine transition for a person: refused in plain words when the
current state does not allow it, and a 403 when the person's role does not. Transitions
only the system runs (workers, sweeps) go through `system_transition`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from lea.models import User


def run_transition(
    transition: Callable[[], Any], *, actor: User, refused: str, denied: str = ""
) -> None:
    if not can_proceed(transition):
        raise ValidationError(refused)
    if not has_transition_perm(transition, actor):
        raise PermissionDenied(denied or "Your role does not allow this.")
    transition()


def system_transition(transition: Callable[..., Any], **arguments: Any) -> None:
    """Run a transition that only the system runs (a worker, a sweep: no user). Its
    callers check the state first, so a state that does not allow it is a bug."""
    # django-fsm-2 hands the user to the permission callables: None is the system.
    if not has_transition_perm(transition, None):  # type: ignore[arg-type]
        raise TransitionNotAllowed(f"{getattr(transition, '__name__', transition)} not allowed now")
    transition(**arguments)

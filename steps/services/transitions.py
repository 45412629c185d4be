"""Running a state-machine transition for a person: refused in plain words when the
current state does not allow it, and a 403 when the person's role does not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm import can_proceed, has_transition_perm

from lea.models import User


def run_transition(
    transition: Callable[[], Any], *, actor: User, refused: str, denied: str = ""
) -> None:
    if not can_proceed(transition):
        raise ValidationError(refused)
    if not has_transition_perm(transition, actor):
        raise PermissionDenied(denied or "Your role does not allow this.")
    transition()

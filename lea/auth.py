from typing import Any, cast

from django.contrib.auth.models import Permission
from django.db.models import Value
from django.http import HttpRequest

from lea.models import User


def axes_username(request: HttpRequest, credentials: dict[str, str] | None) -> str:
    """The login name axes counts failures against: the email in lower case, so typing it
    in capitals does not reset the count."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return raw.strip().lower()


def current_user(request: HttpRequest) -> User:
    """The signed-in user, for views behind @login_required."""
    return cast(User, request.user)


class PermissionsInOneQuery:
    """The person's own and their groups' permissions in one query, for ModelBackend.

    ModelBackend reads them in two (its `_user_perm_cache`, then its `_group_perm_cache`)
    on nearly every page, the first time anything asks `has_perm`. Listed before it, this
    backend reads both at once and leaves them in those caches, and in `_perm_cache`, the
    same sets ModelBackend would build, so ModelBackend answers from them. An active
    superuser (ModelBackend gives them every permission) and an inactive account are left
    to ModelBackend. It authenticates nobody and loads no user: no `get_user`, so the test
    client's force_login and the session never name it."""

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if (
            not user_obj.is_active
            or user_obj.is_anonymous
            or user_obj.is_superuser
            or obj is not None
        ):
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            fields = ("content_type__app_label", "codename")
            own = Permission.objects.filter(user=user_obj).values_list(*fields, Value(True))
            through_groups = Permission.objects.filter(group__user=user_obj).values_list(
                *fields, Value(False)
            )
            found: dict[bool, set[str]] = {True: set(), False: set()}
            for app_label, codename, is_own in own.union(through_groups, all=True).order_by():
                found[bool(is_own)].add(f"{app_label}.{codename}")
            user_obj._user_perm_cache = found[True]
            user_obj._group_perm_cache = found[False]
            user_obj._perm_cache = found[True] | found[False]
        return cast(set[str], user_obj._perm_cache)

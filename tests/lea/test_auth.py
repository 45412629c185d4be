"""lea/auth.py's PermissionsInOneQuery: ModelBackend's permission caches, filled in one
query, hold what ModelBackend itself would have read."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from lea.models import User
from tests.lea import factories

pytestmark = pytest.mark.django_db


def _fresh(user: User) -> User:
    # Django keeps a person's permissions on the object: read them from a new one.
    return User.objects.get(pk=user.pk)


def _person_with_own_and_group_permissions() -> User:
    person = factories.user()
    person.user_permissions.add(Permission.objects.get(codename="change_user"))
    group = Group.objects.create(name="auth-test")
    group.permissions.add(Permission.objects.get(codename="add_user"))
    person.groups.add(group)
    return person


def test_it_reads_a_persons_own_and_group_permissions_in_one_query(
    django_assert_num_queries: Any,
) -> None:
    person = _fresh(_person_with_own_and_group_permissions())
    with django_assert_num_queries(1):
        assert person.has_perm("lea.change_user")
        assert person.has_perm("lea.add_user")
        assert not person.has_perm("lea.delete_user")


def test_it_leaves_the_caches_modelbackend_would_have_filled() -> None:
    person = _person_with_own_and_group_permissions()
    ours = _fresh(person)
    ours.has_perm("lea.change_user")
    theirs = _fresh(person)
    backend = ModelBackend()
    assert ours._user_perm_cache == backend.get_user_permissions(theirs)  # type: ignore[attr-defined]
    assert ours._group_perm_cache == backend.get_group_permissions(theirs)  # type: ignore[attr-defined]
    assert ours.get_all_permissions() == backend.get_all_permissions(_fresh(person))
    assert "lea.change_user" in ours._user_perm_cache  # type: ignore[attr-defined]
    assert "lea.add_user" in ours._group_perm_cache  # type: ignore[attr-defined]


def test_it_leaves_an_inactive_account_and_a_superuser_to_modelbackend() -> None:
    person = _person_with_own_and_group_permissions()
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert not _fresh(person).has_perm("lea.change_user")
    assert _fresh(person).get_all_permissions() == set()
    person.is_active, person.is_superuser = True, True
    person.save(update_fields=["is_active", "is_superuser"])
    superuser = _fresh(person)
    assert superuser.get_all_permissions() == {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list(
            "content_type__app_label", "codename"
        )
    }

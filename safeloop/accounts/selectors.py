"""Reads for the account pages. User administration is for the system and security administrators;
for everyone else the users simply do not exist (→ 404)."""

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from safeloop.accounts.choices import Role
from safeloop.accounts.models import Membership, User
from safeloop.core.scoping import scope_for

USER_ADMINS = frozenset({Role.SYS_ADMIN, Role.SEC_ADMIN})

MEMBERSHIP_RELATED = ("division", "department__division", "enterprise", "grid")


def user_memberships(*, user: Any) -> QuerySet[Membership]:
    """A user's own memberships, with the org unit each acts through."""
    return Membership.objects.filter(user_id=user.pk).select_related(*MEMBERSHIP_RELATED).order_by("created_at", "pk")


def _administered_users(actor: Any) -> QuerySet[User]:
    if not scope_for(actor).has_role(*USER_ADMINS):
        return User.objects.none()
    return User.objects.order_by("username")


def user_list(*, actor: Any, q: str = "") -> QuerySet[User]:
    users = _administered_users(actor).prefetch_related("memberships")
    if q:
        users = users.filter(Q(username__icontains=q) | Q(real_name__icontains=q))
    return users


def user_get(*, actor: Any, uuid: Any) -> User:
    """The user with this public id, if the actor administers users; else DoesNotExist."""
    memberships = Membership.objects.select_related(*MEMBERSHIP_RELATED).order_by("created_at", "pk")
    return _administered_users(actor).prefetch_related(Prefetch("memberships", queryset=memberships)).get(uuid=uuid)


def membership_get(*, actor: Any, user: User, pk: int) -> Membership:
    if not scope_for(actor).has_role(*USER_ADMINS):
        raise Membership.DoesNotExist
    return Membership.objects.select_related("user").get(user=user, pk=pk)

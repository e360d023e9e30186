"""Who is asking: the signed-in user with their roles, and the checks resolvers rely on."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import DomainError, ErrorCode
from core.models import Role, RoleGrant, User


@dataclass(frozen=True)
class Grant:
    role: Role
    district: str | None = None
    employer_id: int | None = None


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    grants: tuple[Grant, ...]

    @classmethod
    def of(cls, user: User, grants: list[RoleGrant]) -> Actor:
        return cls(
            user_id=user.id,
            username=user.username,
            grants=tuple(Grant(g.role, g.district, g.employer_id) for g in grants),
        )

    def has(self, role: Role) -> bool:
        return any(g.role == role for g in self.grants)

    @property
    def roles(self) -> tuple[Role, ...]:
        return tuple(dict.fromkeys(g.role for g in self.grants))

    def districts(self) -> tuple[str, ...]:
        return tuple(g.district for g in self.grants if g.role == Role.REVIEWER and g.district)


# The operator at the command line (``talent plugins ...``): an administrator whose
# audit-log rows carry actor id 0.
OPERATOR = Actor(user_id=0, username="operator", grants=(Grant(Role.ADMIN),))


def require_actor(actor: Actor | None) -> Actor:
    if actor is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "请先登录")
    return actor


def require_role(actor: Actor | None, *roles: Role) -> Actor:
    actor = require_actor(actor)
    if not any(actor.has(r) for r in roles):
        raise DomainError(ErrorCode.FORBIDDEN, "没有执行该操作的权限")
    return actor

"""Staff authentication: argon2 password hashes, JWT access and refresh tokens, roles.

An access token (short-lived) authorises requests; a refresh token (long-lived) only buys new
tokens, and carries the staff member's ``token_version`` so that logging out revokes every
refresh token issued before. Both name one property: every request is bound to it through
row-level security (see ``api.deps``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.property import StaffRole, StaffUser

ALGORITHM = "HS256"
TokenKind = Literal["access", "refresh"]
ROLE_RANK = {StaffRole.STAFF: 0, StaffRole.MANAGER: 1, StaffRole.OWNER: 2}
_hasher = PasswordHasher()
# Verifying against a real hash when no such login exists costs the same time as a wrong
# password, so response times do not tell which e-mail addresses are staff.
_DUMMY_HASH = _hasher.hash("not-a-password")


class AuthError(Exception):
    """Authentication failed; the message is safe to show (it never says which part was wrong)."""


@dataclass(frozen=True)
class StaffPrincipal:
    """The staff member a request acts as, and the one property it may touch."""

    staff_id: int
    property_id: int
    property_slug: str
    role: StaffRole
    name: str

    def at_least(self, role: StaffRole) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(session: Session, email: str, password: str) -> StaffUser:
    """The active staff member of the session's property with this login and password."""
    staff = session.scalar(
        select(StaffUser).where(StaffUser.email == email.strip().lower(), StaffUser.active)
    )
    stored = staff.password_hash if staff is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        staff = None
    if staff is None or stored is None:
        raise AuthError("Wrong property, e-mail or password.")
    return staff


def issue_token(
    principal: StaffPrincipal, kind: TokenKind, secret: str, lifetime_s: int, version: int = 0
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(principal.staff_id),
        "pid": principal.property_id,
        "slug": principal.property_slug,
        "role": principal.role.value,
        "name": principal.name,
        "typ": kind,
        "iat": now,
        "exp": now + lifetime_s,
    }
    if kind == "refresh":
        claims["ver"] = version
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, kind: TokenKind, secret: str) -> tuple[StaffPrincipal, int]:
    """The principal of a valid token of ``kind``, and its token version (refresh tokens)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub", "pid", "typ"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise AuthError("The token has expired; log in again or refresh it.") from error
    except jwt.PyJWTError as error:
        raise AuthError("The token is not valid.") from error
    if claims.get("typ") != kind:
        raise AuthError(f"This is not an {kind} token.")
    try:
        principal = StaffPrincipal(
            staff_id=int(claims["sub"]),
            property_id=int(claims["pid"]),
            property_slug=str(claims["slug"]),
            role=StaffRole(claims["role"]),
            name=str(claims.get("name", "")),
        )
    except (KeyError, ValueError) as error:
        raise AuthError("The token is not valid.") from error
    return principal, int(claims.get("ver", 0))

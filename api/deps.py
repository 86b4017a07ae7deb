"""Typed dependencies of the routes: the services, the staff member, the property session.

Every staff route is under ``/api/v1/properties/{slug}/...``. ``property_session`` checks that
the token's property is that slug (a staff member of property A asking for B's routes gets
403) and yields a session bound to the property, so row-level security filters every query
the route makes. ``require(role)`` guards a route by the least role it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth import AuthError, StaffPrincipal, read_token
from api.services import Services, get_services
from domain.property import StaffRole

_bearer = HTTPBearer(auto_error=False, description="An access token from /api/v1/auth/login.")

ServicesDep = Annotated[Services, Depends(get_services)]
Slug = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="Property slug.")]


def current_staff(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> StaffPrincipal:
    if credentials is None:
        raise _unauthorised("Log in first: send 'Authorization: Bearer <access token>'.")
    try:
        principal, _ = read_token(credentials.credentials, "access", services.jwt_secret)
    except AuthError as error:
        raise _unauthorised(str(error)) from error
    return principal


StaffDep = Annotated[StaffPrincipal, Depends(current_staff)]


def property_staff(slug: Slug, staff: StaffDep) -> StaffPrincipal:
    """The staff member, provided the route's property is their own."""
    if slug != staff.property_slug:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "You are not staff of this property.")
    return staff


PropertyStaff = Annotated[StaffPrincipal, Depends(property_staff)]


def property_session(services: ServicesDep, staff: PropertyStaff) -> Iterator[Session]:
    """A session that sees only the staff member's property; commits when the route returns."""
    with services.db.tenant(staff.property_id) as session:
        yield session


# scope="function": the session commits before the response is sent, so a failed commit is
# the client's error (409) and a read right after a write sees it.
PropertySession = Annotated[Session, Depends(property_session, scope="function")]


def require(role: StaffRole) -> Callable[[StaffPrincipal], StaffPrincipal]:
    """A dependency that lets through staff of at least ``role`` (owner > manager > staff)."""

    def check(staff: PropertyStaff) -> StaffPrincipal:
        if not staff.at_least(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"This needs the {role.value} role or higher."
            )
        return staff

    return check


Manager = Annotated[StaffPrincipal, Depends(require(StaffRole.MANAGER))]
Owner = Annotated[StaffPrincipal, Depends(require(StaffRole.OWNER))]


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )

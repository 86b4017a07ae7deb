"""Staff login, token refresh and logout."""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field
from sqlalchemy import select, update

from api.auth import AuthError, StaffPrincipal, authenticate, issue_token, read_token
from api.deps import ServicesDep, StaffDep
from api.services import Services
from buffr.db.session import UnknownProperty
from domain.property import StaffRole, StaffUser

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class Login(BaseModel):
    property: Annotated[str, Field(min_length=2, max_length=63, examples=["demo"])]
    email: Annotated[str, Field(min_length=3, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class Refresh(BaseModel):
    refresh_token: Annotated[str, Field(min_length=10, max_length=4000)]


class StaffPublic(BaseModel):
    id: int
    name: str
    role: StaffRole
    property: str


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    staff: StaffPublic


@router.post("/login", summary="Log in with e-mail and password")
async def login(body: Login, services: ServicesDep) -> Tokens:
    return await to_thread.run_sync(_login, services, body)


@router.post("/refresh", summary="New tokens for a refresh token")
async def refresh(body: Refresh, services: ServicesDep) -> Tokens:
    return await to_thread.run_sync(_refresh, services, body.refresh_token)


@router.post("/logout", status_code=204, summary="Revoke every refresh token of this login")
async def logout(staff: StaffDep, services: ServicesDep) -> None:
    def bump() -> None:
        with services.db.tenant(staff.property_id) as session:
            session.execute(
                update(StaffUser)
                .where(StaffUser.id == staff.staff_id)
                .values(token_version=StaffUser.token_version + 1)
            )

    await to_thread.run_sync(bump)


@router.get("/me", summary="Who the token belongs to")
async def me(staff: StaffDep) -> StaffPublic:
    return StaffPublic(
        id=staff.staff_id, name=staff.name, role=staff.role, property=staff.property_slug
    )


def _login(services: Services, body: Login) -> Tokens:
    try:
        property_id = services.db.property_id(body.property)
    except UnknownProperty as error:
        raise _denied("Wrong property, e-mail or password.") from error
    with services.db.tenant(property_id) as session:
        try:
            staff = authenticate(session, body.email, body.password)
        except AuthError as error:
            raise _denied(str(error)) from error
        principal = StaffPrincipal(staff.id, property_id, body.property, staff.role, staff.name)
        return _tokens(services, principal, staff.token_version)


def _refresh(services: Services, token: str) -> Tokens:
    try:
        principal, version = read_token(token, "refresh", services.jwt_secret)
    except AuthError as error:
        raise _denied(str(error)) from error
    with services.db.tenant(principal.property_id) as session:
        row = session.execute(
            select(StaffUser.role, StaffUser.name, StaffUser.token_version).where(
                StaffUser.id == principal.staff_id, StaffUser.active
            )
        ).first()
    if row is None or row.token_version != version:
        raise _denied("This refresh token was revoked; log in again.")
    current = StaffPrincipal(
        principal.staff_id, principal.property_id, principal.property_slug, row.role, row.name
    )
    return _tokens(services, current, row.token_version)


def _tokens(services: Services, principal: StaffPrincipal, version: int) -> Tokens:
    settings = services.settings
    access_s = settings.access_token_minutes * 60
    return Tokens(
        access_token=issue_token(principal, "access", services.jwt_secret, access_s),
        refresh_token=issue_token(
            principal,
            "refresh",
            services.jwt_secret,
            settings.refresh_token_days * 86400,
            version,
        ),
        expires_in=access_s,
        staff=StaffPublic(
            id=principal.staff_id,
            name=principal.name,
            role=principal.role,
            property=principal.property_slug,
        ),
    )


def _denied(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )

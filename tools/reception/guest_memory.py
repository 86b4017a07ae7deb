"""What the property remembers about a guest, and the guest's say over it.

The audit log is append-only, so the audit entries written here record *which* fields changed
and counts, never the personal text itself: otherwise "forget me" could not forget.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from domain.guests import Guest
from domain.rooms import ReservationStatus, Room, RoomReservation, RoomType
from tools.base import ToolContext, ToolError, audit
from tools.reception.context import current_time, guest_scope, property_rules

MAX_PREFERENCES = 20
MAX_PREFERENCE_CHARS = 120
CARD_NUMBER = re.compile(r"(?:\d[ -]?){13,19}")
STAYED = (ReservationStatus.CHECKED_IN, ReservationStatus.CHECKED_OUT)
UPCOMING = (ReservationStatus.PENDING, ReservationStatus.CONFIRMED)
# What "forget me" clears, and what it keeps and why (shown to the guest).
FORGOTTEN = ("name", "email", "preferences", "notes", "timezone", "marketing consent")
KEPT = (
    "reservations and orders (contracts and accounting records the law requires us to keep)",
    "phone number (how this conversation reaches you and how staff contact you about a booking)",
    "language (to keep replying in it)",
    "loyalty points",
    "the record that you opted out of marketing",
)


class GuestArgs(BaseModel):
    guest_id: int | None = Field(default=None, description="Staff only: which guest.")


class StaySummary(BaseModel):
    code: str
    check_in: date
    check_out: date
    room_type: str


class GuestProfile(BaseModel):
    guest_id: int
    name: str | None
    phone: str | None
    email: str | None
    language: str
    preferences: list[str]
    stays_count: int  # stays that happened (checked in or out)
    last_stay: StaySummary | None
    upcoming_stays: int
    marketing_consent: bool
    opted_out: bool
    loyalty_points: int
    staff_notes: str | None  # for staff only; None for a guest


class PreferenceArgs(GuestArgs):
    text: str = Field(min_length=1, max_length=500, description="The preference, in few words.")


class PreferencesResult(BaseModel):
    preferences: list[str]
    added: bool
    message: str


class ForgetArgs(GuestArgs):
    what: Literal["preferences", "all"]


class ForgetResult(BaseModel):
    what: Literal["preferences", "all"]
    cleared: list[str]
    kept: list[str]
    done: bool  # False for the preview
    message: str


def guest_profile(ctx: ToolContext, args: GuestArgs) -> GuestProfile:
    """What is stored about the calling guest: contact details, language, preferences, how
    many stays and the last one, marketing consent. Read only."""
    guest = _guest(ctx, args.guest_id)
    today = current_time(ctx, property_rules(ctx)).date()
    stays = ctx.session.scalar(
        select(func.count()).where(
            RoomReservation.guest_id == guest.id, RoomReservation.status.in_(STAYED)
        )
    )
    last = ctx.session.execute(
        select(RoomReservation.code, RoomReservation.check_in, RoomReservation.check_out,
               RoomType.name)
        .join(Room, Room.id == RoomReservation.room_id)
        .join(RoomType, RoomType.id == Room.room_type_id)
        .where(RoomReservation.guest_id == guest.id, RoomReservation.status.in_(STAYED))
        .order_by(RoomReservation.check_in.desc())
        .limit(1)
    ).first()  # fmt: skip
    upcoming = ctx.session.scalar(
        select(func.count()).where(
            RoomReservation.guest_id == guest.id,
            RoomReservation.status.in_(UPCOMING),
            RoomReservation.check_in >= today,
        )
    )
    return GuestProfile(
        guest_id=guest.id,
        name=guest.name,
        phone=guest.phone,
        email=guest.email,
        language=guest.language,
        preferences=list(guest.preferences or []),
        stays_count=int(stays or 0),
        last_stay=None if last is None else StaySummary(
            code=last[0], check_in=last[1], check_out=last[2], room_type=last[3]
        ),
        upcoming_stays=int(upcoming or 0),
        marketing_consent=guest.marketing_consent,
        opted_out=guest.opted_out_at is not None,
        loyalty_points=guest.loyalty_points,
        staff_notes=guest.notes if ctx.actor.kind == "staff" else None,
    )  # fmt: skip


def quote_remember_preference(ctx: ToolContext, args: PreferenceArgs) -> PreferencesResult:
    """How a preference would be stored (or that it is already known). Read only."""
    guest = _guest(ctx, args.guest_id)
    text, known = _checked(args.text, list(guest.preferences or []))
    return PreferencesResult(
        preferences=list(guest.preferences or []),
        added=False,
        message=f"Already remembered: {known}." if known else f"Would remember: {text}.",
    )


def remember_preference(ctx: ToolContext, args: PreferenceArgs) -> PreferencesResult:
    """Remember a preference the guest stated ("prefers a quiet room", "vegetarian"), for
    this and future stays. Repeats are not stored twice."""
    guest = _guest(ctx, args.guest_id, lock=True)
    preferences = list(guest.preferences or [])
    text, known = _checked(args.text, preferences)
    if known:
        return PreferencesResult(
            preferences=preferences, added=False, message=f"Already remembered: {known}."
        )
    guest.preferences = [*preferences, text]  # a new list: JSONB changes are seen on assignment
    audit(
        ctx,
        "remember_preference",
        "guests",
        guest.id,
        {"preferences": len(preferences)},
        {"preferences": len(preferences) + 1},
    )
    return PreferencesResult(
        preferences=list(guest.preferences), added=True, message=f"Remembered: {text}."
    )


def quote_forget_me(ctx: ToolContext, args: ForgetArgs) -> ForgetResult:
    """What forget_me would clear and what it must keep. Read only: ask the guest to confirm."""
    _guest(ctx, args.guest_id)
    return _forget_result(args.what, done=False)


def forget_me(ctx: ToolContext, args: ForgetArgs) -> ForgetResult:
    """Forget the guest's preferences ("preferences") or everything personal we may let go
    of ("all"): name, e-mail, preferences, staff notes and timezone are cleared and marketing
    consent is withdrawn (recorded as an opt-out, so no campaign reaches them).

    Kept, because the law or operations need it: the guest row itself and its reservations and
    orders (contracts and accounting records), the phone number (the channel identity through
    which this very conversation and any booking still ahead reach the guest), the language,
    loyalty points, and the time of the opt-out."""
    guest = _guest(ctx, args.guest_id, lock=True)
    had = len(guest.preferences or [])
    guest.preferences = []
    if args.what == "all":
        guest.name = None
        guest.email = None
        guest.notes = None
        guest.timezone = None
        guest.marketing_consent = False
        if guest.opted_out_at is None:
            guest.opted_out_at = current_time(ctx, property_rules(ctx))
    cleared = ["preferences"] if args.what == "preferences" else list(FORGOTTEN)
    audit(
        ctx,
        "forget_me",
        "guests",
        guest.id,
        {"preferences": had},
        {"cleared": cleared},
    )
    return _forget_result(args.what, done=True)


def _forget_result(what: Literal["preferences", "all"], done: bool) -> ForgetResult:
    cleared = ["preferences"] if what == "preferences" else list(FORGOTTEN)
    kept = [] if what == "preferences" else list(KEPT)
    verb = "Cleared" if done else "Would clear"
    message = f"{verb}: {', '.join(cleared)}."
    if kept:
        message += f" Kept: {'; '.join(kept)}."
    return ForgetResult(what=what, cleared=cleared, kept=kept, done=done, message=message)


def _guest(ctx: ToolContext, guest_id: int | None, lock: bool = False) -> Guest:
    own = guest_scope(ctx)
    if own is None and ctx.actor.kind != "staff":
        raise ToolError("Only a guest or a staff member can do that.")
    target = own if own is not None else guest_id
    if target is None:
        raise ToolError("Say which guest (guest_id).")
    query = select(Guest).where(Guest.id == target).execution_options(populate_existing=True)
    guest = ctx.session.scalars(query.with_for_update() if lock else query).first()
    if guest is None:
        raise ToolError(f"There is no guest with id {target} at this property.")
    return guest


def _checked(text: str, preferences: list[str]) -> tuple[str, str | None]:
    """The preference as it would be stored, and the stored one it repeats (if any)."""
    cleaned = " ".join(text.split()).strip(" .;,")
    if not cleaned:
        raise ToolError("What should I remember? Say it in a few words.")
    if len(cleaned) > MAX_PREFERENCE_CHARS:
        raise ToolError(
            f"Please say it in fewer words: I keep preferences under {MAX_PREFERENCE_CHARS} "
            "characters."
        )
    if CARD_NUMBER.search(cleaned):
        raise ToolError(
            "I can't store card or ID numbers in a profile; please don't share them here."
        )
    key = _key(cleaned)
    known = next((p for p in preferences if _key(p) == key), None)
    if known is None and len(preferences) >= MAX_PREFERENCES:
        raise ToolError(
            f"I already remember {MAX_PREFERENCES} preferences, the most I keep; I can clear "
            "them (forget_me with 'preferences') before saving new ones."
        )
    return cleaned, known


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())

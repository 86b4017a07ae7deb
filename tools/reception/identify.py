"""Recognising a returning guest across channels.

The rule:

1. A phone number is the sender's channel identity (the carrier or WhatsApp vouches for it):
   a guest on file with that number is that guest.
2. An e-mail address is only what someone typed, so it counts only when the guest states it
   themself and it is already on file, and only if the guest on file has no phone number or
   the same one. A guest known by e-mail who now writes from a new phone is recognised; an
   e-mail on file for a guest with a *different* phone is not merged (it may be a spouse, a
   colleague, or someone trying an address): that is a ``conflict`` for staff to resolve.
3. Nothing else (a name, a booking code) identifies a guest.

Guests cannot call this: it would let anyone test which e-mail addresses are on file. The
router calls it as the system (or staff do, at the desk).
"""

from __future__ import annotations

from typing import Literal

import phonenumbers
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import func, select

from domain.guests import Guest
from tools.base import ToolContext, ToolError
from tools.reception.context import property_rules


class IdentifyArgs(BaseModel):
    phone: str | None = Field(default=None, description="The sender's phone number.")
    email: str | None = Field(default=None, description="An e-mail address the guest stated.")

    @model_validator(mode="after")
    def _one_given(self) -> IdentifyArgs:
        if not (self.phone or self.email):
            raise ValueError("give a phone number or an e-mail address")
        return self


class GuestMatch(BaseModel):
    found: bool
    guest_id: int | None
    matched_by: Literal["phone", "email"] | None
    name: str | None
    conflict: bool  # the e-mail belongs to a guest with another phone number
    message: str


def identify_guest(ctx: ToolContext, args: IdentifyArgs) -> GuestMatch:
    """The guest on file for a phone number, or for an e-mail the guest stated (see the
    module's rule). For the system and staff, not for guests."""
    if ctx.actor.kind == "guest":
        raise ToolError("Looking up other guests is for staff.")
    phone = _e164(ctx, args.phone) if args.phone else None
    if phone is not None:
        by_phone = ctx.session.execute(
            select(Guest.id, Guest.name).where(Guest.phone == phone)
        ).first()
        if by_phone is not None:
            return GuestMatch(
                found=True, guest_id=by_phone[0], matched_by="phone", name=by_phone[1],
                conflict=False,
                message="Recognised by phone number.",
            )  # fmt: skip
    if args.email:
        email = args.email.strip().lower()
        row = ctx.session.execute(
            select(Guest.id, Guest.name, Guest.phone).where(func.lower(Guest.email) == email)
        ).first()
        if row is not None and (row[2] is None or phone is None or row[2] == phone):
            return GuestMatch(
                found=True, guest_id=row[0], matched_by="email", name=row[1], conflict=False,
                message="Recognised by the e-mail address the guest gave, which is on file.",
            )  # fmt: skip
        if row is not None:
            return GuestMatch(
                found=False, guest_id=None, matched_by=None, name=None, conflict=True,
                message="That e-mail is on file for a guest with another phone number: staff "
                "must confirm before the two are linked.",
            )  # fmt: skip
    return GuestMatch(
        found=False, guest_id=None, matched_by=None, name=None, conflict=False,
        message="No guest on file matches.",
    )  # fmt: skip


def _e164(ctx: ToolContext, phone: str) -> str:
    """E.164, reading local numbers in the country of the property's own phone number."""
    rules = property_rules(ctx)
    region = None
    if rules.phone:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(rules.phone))
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException as error:
        raise ToolError(f"{phone!r} is not a phone number.") from error
    if not phonenumbers.is_possible_number(number):
        raise ToolError(f"{phone!r} is not a possible phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

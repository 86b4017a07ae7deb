"""The Arcade actions: e-mail a proposal and put a site visit in a calendar, as a staff member.

Arcade acts as a user it knows by ``user_id``; here that is the staff member's e-mail address.
Each action asks Arcade to authorize its tool for them first:

- already authorized: the tool runs now, and the outcome is ``done`` with Arcade's result;
- not yet: the action is stored (``arcade_actions``, pending), the staff member gets the
  authorization link as a staff notification (texted to them on their channel), and the outcome
  is ``authorization_required``. :mod:`tools.arcade.resume` runs it once they have authorized.

The outcome's ``authorization_url`` is for the staff member only: show it in a reply only when
the actor is that staff member, never to a guest (they receive it by notification anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import select

from domain.arcade import ArcadeAction, ArcadeActionStatus
from domain.ops import Notification, NotificationKind
from domain.property import Property, StaffUser
from tools.arcade.describe import describe_action
from tools.arcade.gateway import ArcadeGateway, ArcadeRefused, ArcadeUnavailable, Authorization
from tools.base import ToolContext, ToolError, audit

SEND_EMAIL = "Gmail.SendEmail"
CREATE_EVENT = "GoogleCalendar.CreateEvent"
# How long a pending action waits for its authorization before it fails.
AUTHORIZATION_WAIT = timedelta(days=2)
# The check the database applies to e-mail columns (domain.base.EMAIL), in Python's syntax.
EmailAddress = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]


class EmailProposalArgs(BaseModel):
    staff_id: int = Field(description="The staff member the e-mail is sent as (their Gmail).")
    to: EmailAddress
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=20_000)
    cc: list[EmailAddress] = Field(default_factory=list, max_length=10)
    lead_id: int | None = None


class SiteVisitArgs(BaseModel):
    staff_id: int = Field(description="The staff member whose Google Calendar gets the visit.")
    attendee_email: EmailAddress
    start: datetime = Field(description="Naive times are the property's local time.")
    end: datetime
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5_000)
    location: str | None = Field(default=None, max_length=300)
    lead_id: int | None = None


class ArcadeOutcome(BaseModel):
    status: Literal["done", "authorization_required"]
    action_id: int  # the arcade_actions row
    tool_name: str
    message: str  # one sentence, safe to show to anyone
    result: Any = None  # Arcade's output of the tool, when done
    authorization_url: str | None = None  # for the staff member only (see the module doc)


ArcadeTool = Callable[[ToolContext, Any], ArcadeOutcome]


def email_proposal(
    ctx: ToolContext,
    *,
    staff_id: int,
    to: str,
    subject: str,
    body: str,
    cc: list[str] | None = None,
    lead_id: int | None = None,
) -> ArcadeOutcome:
    """E-mail a proposal from the staff member's Gmail (Arcade's ``Gmail.SendEmail``)."""
    args = EmailProposalArgs.model_validate(
        {"staff_id": staff_id, "to": to, "subject": subject, "body": body, "cc": cc or [],
         "lead_id": lead_id}
    )  # fmt: skip
    return send_proposal_email(ctx, args)


def schedule_site_visit(
    ctx: ToolContext,
    *,
    staff_id: int,
    attendee_email: str,
    start: datetime,
    end: datetime,
    title: str,
    description: str | None = None,
    location: str | None = None,
    lead_id: int | None = None,
) -> ArcadeOutcome:
    """Put a site visit in the staff member's Google Calendar, inviting the lead
    (Arcade's ``GoogleCalendar.CreateEvent``)."""
    args = SiteVisitArgs.model_validate(
        {"staff_id": staff_id, "attendee_email": attendee_email, "start": start, "end": end,
         "title": title, "description": description, "location": location, "lead_id": lead_id}
    )  # fmt: skip
    return put_site_visit_in_calendar(ctx, args)


def send_proposal_email(ctx: ToolContext, args: EmailProposalArgs) -> ArcadeOutcome:
    """E-mail a proposal to a lead from a staff member's Gmail. If they have not yet let Arcade
    use their Gmail, they are sent a link and the e-mail goes once they have."""
    tool_input: dict[str, Any] = {
        "recipient": str(args.to),
        "subject": args.subject,
        "body": args.body,
    }
    if args.cc:
        tool_input["cc"] = [str(address) for address in args.cc]
    return act_as_staff(ctx, args.staff_id, SEND_EMAIL, tool_input, lead_id=args.lead_id)


def put_site_visit_in_calendar(ctx: ToolContext, args: SiteVisitArgs) -> ArcadeOutcome:
    """Put a site visit in a staff member's Google Calendar and invite the lead. If they have
    not yet let Arcade use their calendar, they are sent a link and it is added once they have."""
    zone = ZoneInfo(_property_timezone(ctx))
    start, end = (_aware(moment, zone) for moment in (args.start, args.end))
    if end <= start:
        raise ToolError("The visit must end after it starts.")
    tool_input: dict[str, Any] = {
        "summary": args.title,
        # ISO 8601 with the offset, so the event lands at the property's local time whatever
        # time zone the staff member's calendar is set to.
        "start_datetime": start.isoformat(),
        "end_datetime": end.isoformat(),
        "attendee_emails": [str(args.attendee_email)],
    }
    if args.description:
        tool_input["description"] = args.description
    if args.location:
        tool_input["location"] = args.location
    return act_as_staff(ctx, args.staff_id, CREATE_EVENT, tool_input, lead_id=args.lead_id)


def arcade_tools(ctx: ToolContext) -> list[ArcadeTool]:
    """The Arcade tools available in this context: none without an Arcade key."""
    if ctx.arcade is None:
        return []
    return [send_proposal_email, put_site_visit_in_calendar]


def act_as_staff(
    ctx: ToolContext,
    staff_id: int,
    tool_name: str,
    tool_input: dict[str, Any],
    *,
    lead_id: int | None = None,
) -> ArcadeOutcome:
    """Run the Arcade tool ``tool_name`` as staff member ``staff_id``: now if they have
    authorized it, else once they have (see the module doc)."""
    gateway = _gateway(ctx)
    staff = _staff(ctx, staff_id)
    assert staff.email is not None  # _staff refuses staff without one
    authorization = gateway.authorize(tool_name, staff.email)
    if authorization.status == "failed":
        raise ArcadeRefused(f"Arcade could not start the authorization for {tool_name}.")
    action = ArcadeAction(
        property_id=ctx.property_id,
        staff_id=staff.id,
        lead_id=lead_id,
        conversation_id=ctx.conversation_id,
        tool_name=tool_name,
        tool_input=tool_input,
        arcade_user_id=staff.email,
        status=ArcadeActionStatus.PENDING,
        attempts=0,
        expires_at=_now(ctx) + AUTHORIZATION_WAIT,
    )
    if not authorization.completed:
        return _wait_for_authorization(ctx, action, staff, authorization)
    # Authorized: nobody else can see this row before the turn commits, so it needs no claim.
    action.status = ArcadeActionStatus.EXECUTING
    action.attempts = 1
    execution = gateway.execute(tool_name, staff.email, tool_input)  # unavailable: not stored
    if execution.authorization is not None:
        action.status = ArcadeActionStatus.PENDING
        return _wait_for_authorization(ctx, action, staff, execution.authorization)
    what = describe_action(tool_name, tool_input, whose=f"{staff.name}'s")
    if not execution.success and execution.can_retry:  # e.g. Google's rate limit: not stored
        raise ArcadeUnavailable(f"Arcade could not {what} just now ({execution.error}); "
                                "try again shortly.")  # fmt: skip
    action.finished_at = _now(ctx)
    if not execution.success:
        action.status = ArcadeActionStatus.FAILED
        action.error = execution.error
        _record(ctx, action)
        raise ArcadeRefused(f"Arcade could not {what}: {execution.error}")
    action.status = ArcadeActionStatus.DONE
    action.result = {"value": execution.value, "execution_id": execution.execution_id}
    _record(ctx, action)
    return ArcadeOutcome(
        status="done",
        action_id=action.id,
        tool_name=tool_name,
        message=f"Done: {what}.",
        result=execution.value,
    )


def _wait_for_authorization(
    ctx: ToolContext, action: ArcadeAction, staff: StaffUser, authorization: Authorization
) -> ArcadeOutcome:
    action.authorization_id = authorization.id
    action.authorization_url = authorization.url
    _record(ctx, action)
    what = describe_action(action.tool_name, action.tool_input, whose=f"{staff.name}'s")
    ctx.session.add(authorization_notification(action, staff.name))
    return ArcadeOutcome(
        status="authorization_required",
        action_id=action.id,
        tool_name=action.tool_name,
        message=f"Waiting for {staff.name} to let Arcade {what}; they have been sent a link "
        "and it happens as soon as they authorize it.",
        authorization_url=authorization.url,
    )


def authorization_notification(action: ArcadeAction, staff_name: str) -> Notification:
    """The staff member's notification with the authorization link of ``action``."""
    what = describe_action(action.tool_name, action.tool_input)
    link = action.authorization_url or "(Arcade gave no link: ask your administrator)"
    return Notification(
        property_id=action.property_id,
        kind=NotificationKind.LEAD if action.lead_id is not None else NotificationKind.SYSTEM,
        recipient_staff_id=action.staff_id,
        title=f"Authorize: {what}"[:200],
        body=f"{staff_name}, to {what} from your account, open {link} and allow access. "
        "It happens by itself once you have.",
        data=notification_data(action),
    )


def notification_data(action: ArcadeAction) -> dict[str, Any]:
    return {
        "arcade_action_id": action.id,
        "tool_name": action.tool_name,
        "authorization_url": action.authorization_url,
        "lead_id": action.lead_id,
        "conversation_id": action.conversation_id,
    }


def _record(ctx: ToolContext, action: ArcadeAction) -> None:
    ctx.session.add(action)
    ctx.session.flush()
    audit(ctx, f"arcade:{action.tool_name}", "arcade_action", action.id, None, {
        "status": action.status.value, "staff_id": action.staff_id, "lead_id": action.lead_id,
        "tool_input": action.tool_input, "error": action.error,
    })  # fmt: skip


def _gateway(ctx: ToolContext) -> ArcadeGateway:
    if ctx.arcade is None:
        raise ToolError("Arcade is not set up here, so I cannot act from a staff account.")
    return ctx.arcade


def _staff(ctx: ToolContext, staff_id: int) -> StaffUser:
    staff = ctx.session.scalar(select(StaffUser).where(StaffUser.id == staff_id))
    if staff is None or not staff.active:
        raise ToolError(f"There is no active staff member {staff_id}.")
    if not staff.email:
        raise ToolError(
            f"{staff.name} has no e-mail address on file; Arcade needs one to act for them."
        )
    return staff


def _property_timezone(ctx: ToolContext) -> str:
    zone = ctx.session.scalar(select(Property.timezone).where(Property.id == ctx.property_id))
    return zone or "UTC"


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def _now(ctx: ToolContext) -> datetime:
    return ctx.now or datetime.now(UTC)

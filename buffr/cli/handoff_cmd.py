"""``buffr handoff``: the conversations a person has taken over, and giving them back."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from buffr.cli.context import CliError, runtime
from buffr.db.session import Database, UnknownProperty

handoff_app = typer.Typer(help="Conversations handed to staff.", no_args_is_help=True)
_out = Console()
_PROPERTY = typer.Option("demo", "--property", help="Property slug.")


@handoff_app.command("list")
def list_handoffs(property_slug: str = _PROPERTY) -> None:
    """Conversations where the agent stays silent because staff have them."""
    from domain.conversations import Conversation, ConversationStatus, Direction, Message
    from domain.guests import Guest

    rt = runtime()
    property_id = _property(rt.db, property_slug)
    last_inbound = (
        select(Message.body)
        .where(Message.conversation_id == Conversation.id, Message.direction == Direction.INBOUND)
        .order_by(Message.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    with rt.db.tenant(property_id) as session:
        rows = session.execute(
            select(
                Conversation.id,
                func.coalesce(Guest.name, Guest.phone, Guest.email),
                Conversation.updated_at,
                last_inbound,
            )
            .outerjoin(Guest, Guest.id == Conversation.guest_id)
            .where(Conversation.status == ConversationStatus.HANDOFF)
            .order_by(Conversation.updated_at)
        ).all()
    if not rows:
        _out.print("No conversation is with staff.")
        return
    table = Table(title=f"Handed to staff at {property_slug}")
    for column in ("conversation", "guest", "since", "last message"):
        table.add_column(column)
    for conversation_id, guest, since, message in rows:
        table.add_row(str(conversation_id), guest or "?", f"{since:%Y-%m-%d %H:%M}", message or "")
    _out.print(table)


@handoff_app.command("release")
def release(
    conversation_id: int = typer.Argument(..., help="The conversation to give back."),
    staff: str = typer.Option(..., "--as", help="Phone or login of the staff member releasing it."),
    property_slug: str = _PROPERTY,
) -> None:
    """Give a conversation back to the agent (staff only)."""
    from agents.identity import BadSender, identify, normalise_sender
    from tools.base import ToolContext, ToolError
    from tools.reception import ReleaseArgs, release_handoff

    rt = runtime()
    property_id = _property(rt.db, property_slug)
    try:
        sender = normalise_sender(staff)
    except BadSender as error:
        raise CliError(str(error)) from error
    with rt.db.tenant(property_id) as session:
        identity, _ = identify(session, property_id, sender)
        if identity.actor.kind != "staff":
            session.rollback()  # identifying an unknown sender creates a guest: not here
            raise CliError(f"{staff} is not a staff member of {property_slug}.")
        ctx = ToolContext(session, property_id, identity.actor)
        try:
            result = release_handoff(ctx, ReleaseArgs(conversation_id=conversation_id))
        except ToolError as error:
            raise CliError(str(error)) from error
    _out.print(result.message)


def _property(db: Database, slug: str) -> int:
    try:
        return db.property_id(slug)
    except UnknownProperty as error:
        raise CliError(str(error)) from error

"""What one receptionist step produces, and the writes a guest's "yes" may carry out.

A write is never run when the model asks for it: its read-only preview runs, the guest sees it
with "Shall I ...?", and the write itself is kept as ``Pending`` (tool name and arguments) in
the checkpointed state. Only the guest's yes in the next turn runs it, through ``WRITES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from tools.base import ToolContext, jsonable
from tools.reception import (
    CancelArgs,
    ChangeArgs,
    ForgetArgs,
    OrderInfo,
    ReservationArgs,
    RoomServiceArgs,
    TableCancelArgs,
    TableReservationArgs,
    TableReservationInfo,
    cancel_reservation,
    cancel_table_reservation,
    change_reservation,
    create_reservation,
    forget_me,
    place_room_service_order,
    reserve_table,
)

WriteTool = tuple[type[BaseModel], Callable[[ToolContext, Any], Any]]

WRITES: dict[str, WriteTool] = {
    "create_reservation": (ReservationArgs, create_reservation),
    "change_reservation": (ChangeArgs, change_reservation),
    "cancel_reservation": (CancelArgs, cancel_reservation),
    "reserve_table": (TableReservationArgs, reserve_table),
    "cancel_table_reservation": (TableCancelArgs, cancel_table_reservation),
    "place_room_service_order": (RoomServiceArgs, place_room_service_order),
    "forget_me": (ForgetArgs, forget_me),
}


class Pending(BaseModel):
    """A write waiting for the guest's yes."""

    tool: str
    arguments: dict[str, Any]
    question: str  # what was asked, to ask again when the answer is unclear


@dataclass
class Step:
    reply: str
    actions: list[dict[str, Any]] = field(default_factory=list)
    pending: Pending | None = None
    handed_off: bool = False
    upsell: dict[str, Any] | None = None  # an extra offered after a booking (agents.sales)


def action(tool: str, args: BaseModel | dict[str, Any], result: Any) -> dict[str, Any]:
    """One entry of the turn's actions: tool name, arguments, result (all JSON-able)."""
    arguments = args if isinstance(args, dict) else jsonable(args)
    shown = jsonable(result) if isinstance(result, BaseModel) else result
    return {"tool": tool, "arguments": arguments, "result": shown}


def run_write(ctx: ToolContext, pending: Pending) -> Step:
    """Carry out a confirmed write; the tool checks everything again (the room may be gone)."""
    args_type, write = WRITES[pending.tool]
    args = args_type.model_validate(pending.arguments)
    result = write(ctx, args)
    return Step(reply=_confirmation(result), actions=[action(pending.tool, args, result)])


def _confirmation(result: Any) -> str:
    """What the guest is told once the write is done."""
    if isinstance(result, TableReservationInfo):
        return (
            f"Reserved: a table for {result.party_size} at {result.venue} on "
            f"{result.starts_at:%a %d %b at %H:%M} (reservation #{result.id}). See you then!"
        )
    if isinstance(result, OrderInfo):
        items = ", ".join(f"{line.quantity} × {line.name}" for line in result.lines)
        return (
            f"Ordered: {items} to room {result.room_number}, {result.total:,.2f} "
            f"{result.currency} (order #{result.id}). We'll bring it up shortly."
        )
    return str(getattr(result, "message", None) or "Done.")

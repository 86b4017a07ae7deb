"""The receptionist's typed tools: rooms, bookings, tables, menus, room service, handoff and
the guest's profile.

Every tool is ``fn(ctx, args) -> result`` with pydantic arguments and a JSON-able pydantic
result (``tools.base.jsonable``); a refusal the guest should hear is a ``ToolError``.

Rules the code keeps, whatever the model does:

- Every write has a read-only preview taking the same arguments (``WRITE_PREVIEWS``): the
  agent shows the preview and asks the guest before it calls the write.
- A guest (``Actor(kind="guest", id=guest_id)``) sees and changes only their own reservations
  and orders: the guest filter is in the query, so someone else's record and a missing one get
  the same answer. Staff see everything of the property; row-level security isolates
  properties.
- "Now" is the property's local time (its timezone); tests and evals pin it with
  ``ToolContext.now``.
- Every write records an audit entry and notifies staff (``BOOKING``, or ``HANDOFF``).
"""

from tools.reception.availability import AvailabilityArgs, AvailabilityResult, room_availability
from tools.reception.cancellation import (
    CancelArgs,
    CancellationQuote,
    CancellationResult,
    cancel_reservation,
    quote_cancellation,
)
from tools.reception.changes import (
    ChangeArgs,
    ChangeQuote,
    ChangeResult,
    change_reservation,
    quote_change,
)
from tools.reception.guest_memory import (
    ForgetArgs,
    ForgetResult,
    GuestArgs,
    GuestProfile,
    PreferenceArgs,
    PreferencesResult,
    forget_me,
    guest_profile,
    quote_forget_me,
    quote_remember_preference,
    remember_preference,
)
from tools.reception.handoff import (
    HandoffArgs,
    HandoffResult,
    ReleaseArgs,
    ReleaseResult,
    handoff_to_staff,
    release_handoff,
)
from tools.reception.identify import GuestMatch, IdentifyArgs, identify_guest
from tools.reception.menu import MenuSearchArgs, MenuSearchResult, menu_search
from tools.reception.records import ReservationInfo
from tools.reception.reservations import (
    BookingResult,
    MyReservations,
    MyReservationsArgs,
    ReservationArgs,
    ReservationQuote,
    create_reservation,
    my_reservations,
    quote_reservation,
)
from tools.reception.room_service import (
    OrderInfo,
    OrderStatusArgs,
    OrderStatusResult,
    RoomServiceArgs,
    RoomServiceQuote,
    order_status,
    place_room_service_order,
    quote_room_service,
)
from tools.reception.table_bookings import (
    MyTables,
    MyTablesArgs,
    TableCancelArgs,
    TableCancellation,
    TableReservationInfo,
    cancel_table_reservation,
    my_table_reservations,
    quote_table_cancellation,
)
from tools.reception.tables import (
    TableAvailability,
    TableAvailabilityArgs,
    TableQuote,
    TableReservationArgs,
    quote_table_reservation,
    reserve_table,
    table_availability,
)

# Each write and the read-only preview the guest confirms first (same arguments). Handing
# over to staff and giving a conversation back are not previewed: asking "shall I get you a
# person?" is the agent's sentence, and neither changes a booking or personal data.
WRITE_PREVIEWS = {
    "create_reservation": "quote_reservation",
    "change_reservation": "quote_change",
    "cancel_reservation": "quote_cancellation",
    "reserve_table": "quote_table_reservation",
    "cancel_table_reservation": "quote_table_cancellation",
    "place_room_service_order": "quote_room_service",
    "remember_preference": "quote_remember_preference",
    "forget_me": "quote_forget_me",
}

__all__ = [
    "WRITE_PREVIEWS",
    "AvailabilityArgs",
    "AvailabilityResult",
    "BookingResult",
    "CancelArgs",
    "CancellationQuote",
    "CancellationResult",
    "ChangeArgs",
    "ChangeQuote",
    "ChangeResult",
    "ForgetArgs",
    "ForgetResult",
    "GuestArgs",
    "GuestMatch",
    "GuestProfile",
    "HandoffArgs",
    "HandoffResult",
    "IdentifyArgs",
    "MenuSearchArgs",
    "MenuSearchResult",
    "MyReservations",
    "MyReservationsArgs",
    "MyTables",
    "MyTablesArgs",
    "OrderInfo",
    "OrderStatusArgs",
    "OrderStatusResult",
    "PreferenceArgs",
    "PreferencesResult",
    "ReleaseArgs",
    "ReleaseResult",
    "ReservationArgs",
    "ReservationInfo",
    "ReservationQuote",
    "RoomServiceArgs",
    "RoomServiceQuote",
    "TableAvailability",
    "TableAvailabilityArgs",
    "TableCancelArgs",
    "TableCancellation",
    "TableQuote",
    "TableReservationArgs",
    "TableReservationInfo",
    "cancel_reservation",
    "cancel_table_reservation",
    "change_reservation",
    "create_reservation",
    "forget_me",
    "guest_profile",
    "handoff_to_staff",
    "identify_guest",
    "menu_search",
    "my_reservations",
    "my_table_reservations",
    "order_status",
    "place_room_service_order",
    "quote_cancellation",
    "quote_change",
    "quote_forget_me",
    "quote_remember_preference",
    "quote_reservation",
    "quote_room_service",
    "quote_table_cancellation",
    "quote_table_reservation",
    "release_handoff",
    "remember_preference",
    "reserve_table",
    "room_availability",
    "table_availability",
]

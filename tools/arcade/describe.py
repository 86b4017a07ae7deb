"""Arcade actions in words, for notifications and replies ("e-mail “Wedding proposal” to ...")."""

from __future__ import annotations

from typing import Any


def describe_action(tool_name: str, tool_input: dict[str, Any], whose: str = "your") -> str:
    """What the action does, as a verb phrase: "e-mail “Proposal” to dan@example.com".
    ``whose`` calendar: "your" in a note to the staff member, "Maya's" in anyone else's."""
    if tool_name == "Gmail.SendEmail":
        return f"e-mail “{tool_input.get('subject', '')}” to {tool_input.get('recipient', '?')}"
    if tool_name == "GoogleCalendar.CreateEvent":
        start = str(tool_input.get("start_datetime", ""))[:16].replace("T", " ")
        return f"put “{tool_input.get('summary', '')}” ({start}) in {whose} calendar"
    return f"run {tool_name}"

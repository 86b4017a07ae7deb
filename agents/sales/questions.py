"""What the sales agent asks, one question at a time, and in which order.

The qualifying fields come first (a lead is qualified once it has them), then the details a
good proposal needs, each asked once: an answer of "not sure" is an answer.
"""

from __future__ import annotations

from tools.sales.leads import KIND_LABELS, LeadInfo

OPTIONAL_FIELDS = ("needs", "budget", "decision_timeline")


_QUESTIONS = {
    "event_date": "What date do you have in mind for the {kind}?",
    "group_size": "How many guests are you expecting?",
    "contact": "What is the best e-mail address or phone number for the proposal?",
    "needs": "What would you need on the day (catering, room set-up, equipment, rooms for guests)?",
    "budget": "Do you have a budget in mind?",
    "decision_timeline": "And by when are you hoping to decide?",
}


def next_field(lead: LeadInfo, asked: list[str]) -> str | None:
    """The next thing to ask: a missing qualifying field, else a detail not asked yet."""
    if lead.missing:
        return lead.missing[0]
    for name in OPTIONAL_FIELDS:
        known = getattr(lead, name) is not None or name in lead.details.get("noted", {})
        if not known and name not in asked:
            return name
    return None


def question(field: str, lead: LeadInfo) -> str:
    return _QUESTIONS[field].format(kind=KIND_LABELS[lead.kind])

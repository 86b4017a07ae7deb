"""The words the channels say themselves, and each property's Twilio configuration.

A property may override the Twilio settings in its policies::

    policies["twilio"] = {
        "sms_from": "+15005550006",
        "whatsapp_from": "whatsapp:+14155238886",
        "notify_via": "whatsapp",          # staff notifications (default "sms")
        "templates": {                     # pre-approved WhatsApp templates (Content SIDs)
            "reengage": "HX...",           # or {"sid": "HX...", "variables": ["guest_name", ...]}
            "staff_alert": "HX...",
        },
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from buffr.settings import Settings
from domain.conversations import Channel

# The template sent instead of free text outside WhatsApp's 24-hour window.
REENGAGE_TEMPLATE = "reengage"
# The template of a staff notification over WhatsApp outside the window.
STAFF_ALERT_TEMPLATE = "staff_alert"
# What a template's numbered variables are filled with, unless the policy says otherwise.
DEFAULT_VARIABLES: dict[str, tuple[str, ...]] = {
    REENGAGE_TEMPLATE: ("guest_name", "property_name"),
    STAFF_ALERT_TEMPLATE: ("title", "body"),
}
WHATSAPP_PREFIX = "whatsapp:"

_TEXTS: dict[str, dict[str, str]] = {
    "stop": {
        "en": "You are unsubscribed from {property} and will receive no more messages. "
        "Reply START to resubscribe.",
        "he": "הוסרת מרשימת ההודעות של {property} ולא תקבל/י עוד הודעות. להרשמה מחדש השב/י התחל.",
    },
    "start": {
        "en": "Welcome back! You will receive messages from {property} again. "
        "Reply STOP to unsubscribe.",
        "he": "ברוך שובך! תקבל/י שוב הודעות מ{property}. להסרה השב/י הסר.",
    },
    "media": {
        "en": "Thank you! I can only read text for now. Could you type your message instead?",
        "he": "תודה! כרגע אני יכול לקרוא רק טקסט. אפשר לכתוב את ההודעה במילים?",
    },
    "sender_limit": {
        "en": "You are sending messages faster than we can answer them. Please wait a minute "
        "and try again.",
        "he": "נשלחות הודעות מהר יותר ממה שאנחנו מספיקים לענות. נא להמתין דקה ולנסות שוב.",
    },
    "property_limit": {
        "en": "We are receiving a lot of messages right now. Please try again in a few minutes.",
        "he": "אנחנו מקבלים כרגע הרבה הודעות. נא לנסות שוב בעוד כמה דקות.",
    },
}


def text(name: str, language: str = "en", **values: str) -> str:
    """The notice ``name`` in ``language`` (English when there is no translation)."""
    versions = _TEXTS[name]
    return versions.get(language, versions["en"]).format(**values)


def twilio_policy(policies: dict[str, Any] | None) -> dict[str, Any]:
    found = (policies or {}).get("twilio")
    return found if isinstance(found, dict) else {}


def sender_for(policies: dict[str, Any] | None, settings: Settings, channel: Channel) -> str | None:
    """The number a message of ``channel`` is sent from ("whatsapp:+..." for WhatsApp)."""
    policy = twilio_policy(policies)
    if channel is Channel.WHATSAPP:
        number = policy.get("whatsapp_from") or settings.twilio_whatsapp_from
        return whatsapp_address(number) if number else None
    number = policy.get("sms_from") or settings.twilio_sms_from
    return str(number) if number else None


def whatsapp_address(number: str) -> str:
    number = str(number).strip()
    return number if number.startswith(WHATSAPP_PREFIX) else WHATSAPP_PREFIX + number


@dataclass(frozen=True)
class Template:
    name: str
    content_sid: str
    variables: tuple[str, ...]

    def fill(self, values: dict[str, str]) -> dict[str, str]:
        """ContentVariables: {"1": ..., "2": ...} in the template's variable order."""
        return {str(i): values.get(name, "") for i, name in enumerate(self.variables, start=1)}


def whatsapp_template(policies: dict[str, Any] | None, name: str) -> Template | None:
    """The approved template ``name`` of the property's policy, if configured."""
    templates = twilio_policy(policies).get("templates")
    if not isinstance(templates, dict):
        return None
    entry = templates.get(name)
    default = DEFAULT_VARIABLES.get(name, ())
    if isinstance(entry, str) and entry:
        return Template(name, entry, default)
    if isinstance(entry, dict) and entry.get("sid"):
        variables = entry.get("variables")
        names = tuple(str(v) for v in variables) if isinstance(variables, list) else default
        return Template(name, str(entry["sid"]), names)
    return None


def notify_via(policies: dict[str, Any] | None) -> Channel:
    """The channel staff notifications go out on: WhatsApp if the policy prefers it."""
    return (
        Channel.WHATSAPP if twilio_policy(policies).get("notify_via") == "whatsapp" else Channel.SMS
    )

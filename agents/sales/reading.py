"""What code can read from a sales message without the model: the kind of enquiry, the date,
how many people, a budget with its currency, e-mail and phone, the decision timeline, a name,
and what the person wants (a discount, to go ahead, to stop, a person).

Each reader returns None when the message does not carry the fact; ``asked`` (the field the
agent just asked about) lets a bare answer count: "80" is a group size when the question was
how many guests, and "a DJ and a vegan menu" is the needs when the question was the needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from agents.identity import BadSender, normalise_sender
from agents.inventory.lexicon import wordset
from agents.inventory.numbers import read_number, tokenize
from agents.reception.grounding import date_phrase_in
from agents.reception.when import WhenError, resolve_date
from domain.sales import LeadKind

_KINDS: tuple[tuple[LeadKind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (LeadKind.WEDDING, r"\b(weddings?|marry|married|bride|groom)\b|חתונה"),
        (LeadKind.CORPORATE, r"\b(corporate|conferences?|company|business|offsite|off-site"
                             r"|seminar|workshop|meeting|team|colleagues|employees)\b|כנס"),
        (LeadKind.GROUP, r"\b(group|retreat|tour|school|class|club|choir|delegation)\b"),
        (LeadKind.PACKAGE, r"\b(spa weekend|package|honeymoon|getaway)\b"),
        (LeadKind.EVENT, r"\b(events?|party|banquet|birthday|celebration|bar mitzvah"
                         r"|bat mitzvah|anniversary|gala|reunion)\b|אירוע"),
    )
)  # fmt: skip
_PEOPLE_WORDS = wordset(
    "people persons person guests guest pax participants attendees delegates employees "
    "colleagues adults friends members students invitees kids children"
)
_EMAIL = re.compile(r"[^@\s,;:()<>]+@[^@\s,;:()<>]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d\s().-]{7,16}\d")
_CURRENCIES = {"ils": "ILS", "nis": "ILS", "₪": "ILS", "shekel": "ILS", "shekels": "ILS",
               "usd": "USD", "$": "USD", "dollars": "USD", "eur": "EUR", "€": "EUR",
               "euros": "EUR", "gbp": "GBP", "£": "GBP", "pounds": "GBP"}  # fmt: skip
_AMOUNT = re.compile(
    r"(?P<pre>[₪$€£])?\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?P<k>k\b|thousand\b)?"
    r"\s?(?P<cur>ils|nis|₪|shekels?|usd|\$|dollars|eur|€|euros|gbp|£|pounds)?",
    re.IGNORECASE,
)
_BUDGET_WORD = re.compile(r"\b(budget|spend|afford|up to|max(imum)?)\b", re.IGNORECASE)
_NO_BUDGET = re.compile(
    r"\b(no (fixed |set )?budget|not sure|don'?t know|flexible|no idea|tbd)\b", re.IGNORECASE
)
_TIMELINE = re.compile(
    r"\b(?:decide|decision|deciding|confirm|sign|let you know|get back to you|book)\b[^.;!?\n]*?"
    r"\b(?P<when>(?:by|within|before|in|next|this|end of|until)\s+[^.,;!?\n]+)",
    re.IGNORECASE,
)
_NEEDS = re.compile(
    r"\b(?:we|i)(?:'d| would| will| also)? (?:need|require)s?\s+(?P<what>[^.,;!?\n]+)",
    re.IGNORECASE,
)
_NO_NEEDS = re.compile(r"\b(no special (needs|requirements|requests)|nothing special)\b", re.I)
_ORDINAL_WEEKDAY = re.compile(
    r"\b(first|second|third|fourth|last)\s+(mon|tues|wednes|thurs|fri|satur|sun)day\s+(of|in)"
    r"\s+\w+",
    re.IGNORECASE,
)
_NAME = re.compile(r"\bmy name is\s+(?P<name>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)")
_DISCOUNT = re.compile(r"\b(discount|cheaper|reduc\w*|lower (the )?price|better price|off)\b"
                       r"|%|הנחה", re.IGNORECASE)  # fmt: skip
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s?(?:%|percent|per cent)", re.IGNORECASE)
_ACCEPT = re.compile(
    r"^(yes|yeah|yep|sure|ok|okay|great|perfect|deal|כן)\b|\b(go ahead|we'?ll take it|book it"
    r"|accept|sounds good|let'?s do it|confirm|we want it|proceed)\b",
    re.IGNORECASE,
)
_DECLINE = re.compile(
    r"^(no|nope|nah|לא)\b|\b(not interested|no thanks|we'?ll pass|another venue|elsewhere"
    r"|decided not|decided against|cancel (the|our|my) (enquiry|request|inquiry))\b",
    re.IGNORECASE,
)
_PERSON = re.compile(
    r"\b(a person|human|manager|real person|someone from|sales team|call me|speak to)\b",
    re.IGNORECASE,
)


@dataclass
class Facts:
    """The lead's fields this message carries (None: not said)."""

    kind: LeadKind | None = None
    event_date: date | None = None
    date_phrase: str | None = None  # a date said but not understood
    group_size: int | None = None
    budget: Decimal | None = None
    budget_note: str | None = None  # a budget in another currency, or "not sure"
    contact_email: str | None = None
    contact_phone: str | None = None
    contact_name: str | None = None
    needs: str | None = None
    decision_timeline: str | None = None

    def any(self) -> bool:
        return any(value is not None for value in vars(self).values())

    def read_a_field(self) -> bool:
        """Something beyond the kind of enquiry (which any mention of a meeting suggests)."""
        return any(value is not None for name, value in vars(self).items() if name != "kind")


def read_kind(text: str) -> LeadKind | None:
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return kind
    return None


def read_facts(text: str, today: date, asked: str | None, currency: str) -> Facts:
    facts = Facts(kind=read_kind(text))
    rest = text
    if timeline := _TIMELINE.search(text):
        facts.decision_timeline = timeline.group("when").strip()[:200]
        rest = rest.replace(timeline.group(0), " ")
    elif asked == "decision_timeline" and text.strip():
        facts.decision_timeline = text.strip()[:200]
        rest = ""
    if email := _EMAIL.search(rest):
        facts.contact_email = email.group(0).rstrip(".")
        rest = rest.replace(email.group(0), " ")
    if phone := _PHONE.search(rest):
        try:
            facts.contact_phone = normalise_sender(re.sub(r"[\s().-]", "", phone.group(0)))
            rest = rest.replace(phone.group(0), " ")
        except BadSender:
            pass
    if name := _NAME.search(rest):
        facts.contact_name = name.group("name")
    rest = _read_budget(facts, rest, asked, currency)
    rest = _read_date(facts, rest, today)
    facts.group_size = read_group_size(rest, asked == "group_size")
    if needs := _NEEDS.search(rest):
        facts.needs = needs.group("what").strip()[:1000]
    elif _NO_NEEDS.search(rest):
        facts.needs = "none"
    elif asked == "needs" and not facts.read_a_field() and text.strip():
        facts.needs = text.strip()[:1000]
    return facts


def read_group_size(text: str, bare: bool) -> int | None:
    """A number followed by a people word ("80 guests", "one hundred and twenty people",
    "a group of 12"); with ``bare``, a number alone ("about 80") counts."""
    words = [token.norm for token in tokenize(text)]
    found: list[int] = []
    i = 0
    while i < len(words):
        number = read_number(words, i)
        start, i = i, i + (max(number[1], 1) if number else 1)  # a number is read whole
        if number is None or number[0] != number[0].to_integral_value() or number[0] < 1:
            continue
        value, used = int(number[0]), number[1]
        before = words[max(0, start - 2) : start]
        after = words[start + used : start + used + 2]
        if any(w in _PEOPLE_WORDS for w in after) or ("of" in before and "group" in before):
            return value
        counted = "for" in before[-1:] and not any(w.startswith("night") for w in after)
        if counted or bare:
            found.append(value)
    return found[0] if len(found) == 1 and 1 <= found[0] <= 5000 else None


def _read_budget(facts: Facts, text: str, asked: str | None, currency: str) -> str:
    """A budget: an amount with a currency, or any amount after "budget" (or when asked)."""
    said_budget = _BUDGET_WORD.search(text) is not None or asked == "budget"
    for match in _AMOUNT.finditer(text):
        has_currency = bool(match.group("pre") or match.group("cur"))
        if not (has_currency or (said_budget and (match.group("k") or _big(match)))):
            continue
        try:
            amount = Decimal(match.group("num").replace(",", ""))
        except InvalidOperation:
            continue
        if match.group("k"):
            amount *= 1000
        code = _CURRENCIES.get((match.group("pre") or match.group("cur") or "").lower())
        if code is None or code == currency:
            facts.budget = amount
        else:
            facts.budget_note = f"{amount:,.0f} {code}"
        return text.replace(match.group(0), " ")
    if asked == "budget" and _NO_BUDGET.search(text):
        facts.budget_note = "not sure yet"
    return text


def _big(match: re.Match[str]) -> bool:
    """An amount big enough to be money rather than people (a budget said without a currency
    only counts from 1,000)."""
    return Decimal(match.group("num").replace(",", "")) >= 1000


def _read_date(facts: Facts, text: str, today: date) -> str:
    """Read the event's date; returns the text without it (so "19 March" is no group size)."""
    if ordinal := _ORDINAL_WEEKDAY.search(text):  # "the last Saturday of June": not a weekday
        facts.date_phrase = ordinal.group(0)
        return text.replace(ordinal.group(0), " ")
    phrase = date_phrase_in(text)
    if phrase is None or phrase.strip().lower() == "weekend":  # "a spa weekend" is no date
        return text
    year = re.search(re.escape(phrase) + r",?\s+(20\d\d)\b", text)
    if year:  # "3 January 2027": the year the guest wrote, not the coming one
        phrase = year.group(0)
    try:
        facts.event_date = resolve_date(phrase, today)
    except WhenError:
        facts.date_phrase = phrase
    return text.replace(phrase, " ")


def discount_asked(text: str) -> Decimal | bool | None:
    """The discount asked for in percent; True when a discount is asked without a number;
    None when the message asks for none."""
    if not _DISCOUNT.search(text):
        return None
    percent = _PERCENT.search(text)
    if percent is None:
        return True if re.search(r"discount|cheaper|better price|הנחה", text, re.I) else None
    return Decimal(percent.group(1))


def wants_to_accept(text: str) -> bool:
    """A yes to the proposal; "great, but is parking included?" is a question, not a yes."""
    said = text.strip()
    return bool(_ACCEPT.search(said)) and not _DECLINE.search(said) and "?" not in said


def wants_to_decline(text: str) -> bool:
    return bool(_DECLINE.search(text.strip()))


def wants_a_person(text: str) -> bool:
    return bool(_PERSON.search(text))

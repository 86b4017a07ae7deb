"""Reply text made fit for the ear: written replies carry markdown, clock times and symbols
that a voice would read out literally ("asterisk asterisk zero seven colon zero zero")."""

from __future__ import annotations

import re

_MARKUP = re.compile(r"\*\*|__|`|#+ |^\s*[-*•]\s+", re.MULTILINE)
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_URL = re.compile(r"https?://\S+")
_RANGE = re.compile(r"(\d{1,2}:\d{2})\s*[–-]\s*(\d{1,2}:\d{2})")
_CLOCK = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")
# The written answer names its document on a line of its own; read out, "(Source: Seaside
# Hotel — Frequently Asked Questions)" is noise that delays the next turn.
_SOURCE = re.compile(r"^\s*\(Source:[^)]*\)\s*$", re.MULTILINE)
_WORDS = {"ILS": "shekels", "NIS": "shekels", "₪": " shekels", "&": " and ", "%": " percent"}


def speakable(text: str) -> str:
    """``text`` as a voice should say it: no markup, links or source citation, times as
    "7:30 AM", ranges with "to", currency codes as words, lines joined into sentences."""
    spoken = _SOURCE.sub("", text)
    spoken = _LINK.sub(r"\1", spoken)
    spoken = _URL.sub("the link in our messages", spoken)
    spoken = _MARKUP.sub("", spoken)
    spoken = _RANGE.sub(r"\1 to \2", spoken)
    spoken = _CLOCK.sub(_clock, spoken)
    for symbol, word in _WORDS.items():
        spoken = spoken.replace(symbol, word)
    lines = [line.strip() for line in spoken.splitlines() if line.strip()]
    joined = " ".join(line if line[-1] in ".!?:;," else f"{line}." for line in lines)
    return re.sub(r"\s{2,}", " ", joined).strip()


def _clock(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    suffix = "AM" if hour < 12 else "PM"
    hour12 = hour % 12 or 12
    if hour == 12 and minute == 0:
        return "noon"
    return f"{hour12} {suffix}" if minute == 0 else f"{hour12}:{minute:02d} {suffix}"

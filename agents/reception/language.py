"""Which language a guest writes in, as far as a script and a few common words tell, and the
polite answer when the property does not offer it."""

from __future__ import annotations

import re

from sqlalchemy import select

from domain.property import Property
from tools.base import ToolContext

NAMES = {
    "en": "English",
    "he": "Hebrew",
    "ar": "Arabic",
    "ru": "Russian",
    "fr": "French",
    "es": "Spanish",
    "de": "German",
    "it": "Italian",
}
_SCRIPTS = (("he", r"[\u0590-\u05FF]"), ("ar", r"[\u0600-\u06FF]"), ("ru", r"[\u0400-\u04FF]"))
# Words frequent in one language and rare in English guest messages.
_WORDS = {
    "fr": "bonjour merci chambre nuit nuits pour avec vous je est une des avez réserver",
    "es": "hola gracias habitación noche noches para con usted quiero tiene una reservar",
    "de": "hallo danke zimmer nacht nächte für mit sie ich ist eine haben buchen",
    "it": "ciao grazie camera notte notti per con lei vorrei avete una prenotare",
}
_WORD_SETS = {lang: frozenset(words.split()) for lang, words in _WORDS.items()}


def detect_language(text: str) -> str:
    for lang, pattern in _SCRIPTS:
        if len(re.findall(pattern, text)) >= 2:
            return lang
    words = re.findall(r"[^\W\d_]+", text.lower())
    best, hits = "en", 1  # two words of another language outvote English
    for lang, vocabulary in _WORD_SETS.items():
        count = sum(word in vocabulary for word in words)
        if count > hits:
            best, hits = lang, count
    return best


def unsupported_language_reply(ctx: ToolContext, text: str) -> str | None:
    """An answer (in English) when the message is in a language the property does not list."""
    language = detect_language(text)
    offered = ctx.session.scalar(select(Property.languages).where(Property.id == ctx.property_id))
    offered = list(offered or ["en"])
    if language in offered:
        return None
    names = " and ".join(NAMES.get(code, code) for code in offered)
    return (
        f"I'm sorry, I can only help in {names} here. For {NAMES.get(language, 'your language')}, "
        "please call the front desk and we will do our best."
    )

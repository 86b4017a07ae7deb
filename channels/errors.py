"""Failures of channel jobs, by what the worker should do about them."""

from __future__ import annotations


class PermanentError(Exception):
    """A job failure no retry can fix (Twilio's 4xx, no template configured...): the job is
    not retried and goes straight to the dead letters. Any other exception is retried."""


class TemplateMissing(PermanentError):
    """A WhatsApp message outside the 24-hour window, and no approved template to send."""

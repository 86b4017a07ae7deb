"""The errors a model problem surfaces as: each message is a sentence a person can act on.

They share one base class so the CLI (and any caller) can catch them all, print the message and
exit, without a traceback.
"""

from __future__ import annotations


class ModelHubError(RuntimeError):
    """Base of every error this package raises on purpose."""


class UnknownModel(ModelHubError):
    """A name that is not in the catalogue; the message lists the names that are."""


class ModelMissing(ModelHubError):
    """The model is not in the cache (or not verified); the message names the command to run."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        super().__init__(f"{reason}. Run: buffr models pull {name}")


class ModelCorrupt(ModelMissing):
    """A cached file failed verification. It is a ModelMissing because the cure is the same."""


class IntegrityError(ModelHubError):
    """Assembled bytes did not match the catalogue; they were deleted, never put in place."""


class FetchError(ModelHubError):
    """No source could deliver a file. ``network`` tells a connectivity failure from others."""

    def __init__(self, message: str, *, network: bool = False) -> None:
        self.network = network
        super().__init__(message)

"""The errors bad input surfaces as. Each message is one sentence a person can act on, and
raising one means nothing was written.

They share one base class so the CLI (and the agents' knowledge tool) can catch them all and
show the message instead of a traceback.
"""

from __future__ import annotations


class KnowledgeError(RuntimeError):
    """Base of every error this package raises on purpose."""


class UnsupportedDocument(KnowledgeError):
    """A file or URL whose type is not Markdown, plain text, HTML or PDF."""


class DocumentTooLarge(KnowledgeError):
    """A document over the size limit (checked before it is read or downloaded)."""


class EmptyDocument(KnowledgeError):
    """A document (or folder) with no text to index."""


class CorruptDocument(KnowledgeError):
    """A document that claims a type but cannot be read as it (a broken PDF, bad encoding)."""


class SourceUnreachable(KnowledgeError):
    """A path that does not exist or a URL that could not be fetched."""


class EmbeddingError(KnowledgeError):
    """The embedding model is misconfigured or failed (bad settings, an API error)."""


class DocumentNotFound(KnowledgeError):
    """No document of this property has that id or source."""

"""Typed tools over the domain model, one module per family.

A tool is a plain function ``fn(ctx, args) -> result`` with pydantic arguments and result; its
docstring is the description a model reads. It receives a ``ToolContext`` (a session bound to
one property, the actor, the conversation) and nothing global. A failure the model should see
raises ``ToolError``; any other exception is a bug.
"""

from tools.base import Actor, ToolContext, ToolError, audit, require_staff

__all__ = ["Actor", "ToolContext", "ToolError", "audit", "require_staff"]

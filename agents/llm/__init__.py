"""The chat model behind every agent: configuration, providers, fakes, tool-call parsing.

``build_chat_model(get_llm_settings())`` gives a LangChain ``BaseChatModel`` for the configured
provider; ``ScriptedChatModel`` stands in for it in tests. ``LlamaCppChatModel`` is imported
lazily (``agents.llm.LlamaCppChatModel`` works) so importing this package never loads llama.cpp.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# llama.cpp runs its threads under OpenMP, whose threads spin while they wait for each other.
# On a 2-core machine shared with Postgres, the API and speech, one preempted thread leaves the
# other spinning: measured here, generation fell from ~15 to ~1.5 tokens/s under load. Passive
# waiting keeps it near the single-thread speed under load at little cost when idle. libgomp
# reads this once, when llama.cpp's library loads, so it is set before anything imports it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from agents.llm.config import LLMConfigError, LLMSettings, get_llm_settings
from agents.llm.factory import build_chat_model, resolve_local_model
from agents.llm.fake import InstantChatModel, ScriptedCall, ScriptedChatModel, ScriptError
from agents.llm.toolcall_parse import parse_tool_calls

if TYPE_CHECKING:
    from agents.llm.local import LlamaCppChatModel

__all__ = [
    "InstantChatModel",
    "LLMConfigError",
    "LLMSettings",
    "LlamaCppChatModel",
    "ScriptError",
    "ScriptedCall",
    "ScriptedChatModel",
    "build_chat_model",
    "get_llm_settings",
    "parse_tool_calls",
    "resolve_local_model",
]


def __getattr__(name: str) -> Any:
    if name == "LlamaCppChatModel":
        from agents.llm.local import LlamaCppChatModel

        return LlamaCppChatModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

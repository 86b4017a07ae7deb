"""A chat model with tools bound, built once per model and tool set: binding converts every
tool to a JSON schema, which costs more than a fast turn can spare."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel

Bound = Runnable[LanguageModelInput, BaseMessage]
_CACHE: dict[tuple[int, tuple[str, ...]], tuple[BaseChatModel, Bound]] = {}


def with_tools(model: BaseChatModel, tools: Sequence[type[BaseModel]]) -> Bound:
    key = (id(model), tuple(tool.__name__ for tool in tools))
    cached = _CACHE.get(key)
    if cached is None or cached[0] is not model:  # an id reused by a new model object
        cached = (model, model.bind_tools(list(tools)))
        _CACHE[key] = cached
    return cached[1]

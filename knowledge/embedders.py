"""Text embeddings behind one small interface: the local int8 ONNX all-MiniLM-L6-v2 (default,
no network), an OpenAI embedding model (by configuration), and a hashing fake for tests.

Every embedder returns float32 rows of unit length, so cosine distance in pgvector is the same
as the dot product the model was trained for. ``name`` is what ``knowledge_chunks`` records in
``embedding_model``: retrieval only ever compares vectors of one name, so models never mix.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from knowledge.config import (
    LOCAL_DEFAULT_MODEL,
    OPENAI_DIMENSIONS,
    KnowledgeSettings,
    get_knowledge_settings,
)
from knowledge.errors import EmbeddingError

if TYPE_CHECKING:
    from openai import OpenAI

Vectors = npt.NDArray[np.float32]
EmbedProgress = Callable[[int, int], None]  # (texts done, texts in all)

_WORDS = re.compile(r"\w+|[^\w\s]")


class Embedder(Protocol):
    """Turns texts into unit vectors of ``dimension`` floats."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def chunk_tokens(self) -> int:
        """How many of its own tokens one chunk should hold (it reads a bit more)."""
        ...

    def tokenize(self, text: str) -> list[int] | list[str]:
        """The tokens chunk sizes are measured in."""
        ...

    def embed(self, texts: Sequence[str], progress: EmbedProgress | None = None) -> Vectors:
        """One unit-length row per text, in order."""
        ...


def normalise(rows: npt.NDArray[Any]) -> Vectors:
    """Scale each row to unit length (a zero row stays zero)."""
    values: Vectors = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(values, axis=1, keepdims=True)
    unit: Vectors = (values / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


class LocalOnnxEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime: mean pooling over the attention mask, then
    L2 normalisation, exactly as sentence-transformers does for this model."""

    dimension = 384
    # The model reads 256 word pieces (sentence-transformers' max_seq_length); chunks leave
    # room for the section heading that is embedded with them.
    max_tokens = 256
    chunk_tokens = 192

    def __init__(self, model_dir: Path, name: str, batch_size: int = 32) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name = name
        self.batch_size = batch_size
        # The file pads every input to 128 and cuts there. Embedding cuts at max_tokens and
        # pads each batch to its longest; counting (for chunk sizes) must neither cut nor pad.
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=self.max_tokens)
        self._counter = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._counter.no_padding()
        self._counter.no_truncation()
        options = ort.SessionOptions()
        options.intra_op_num_threads = os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # the int8 graph warns about unused initialisers
        self._session = ort.InferenceSession(
            str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}

    def tokenize(self, text: str) -> list[int]:
        return list(self._counter.encode(text, add_special_tokens=False).ids)

    def embed(self, texts: Sequence[str], progress: EmbedProgress | None = None) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        # Batches of similar length waste little time on padding.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            types = np.zeros((len(rows), width), dtype=np.int64)
            for row, i in enumerate(rows):
                enc = encodings[i]
                ids[row, : len(enc.ids)] = enc.ids
                mask[row, : len(enc.ids)] = enc.attention_mask
                types[row, : len(enc.ids)] = enc.type_ids
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})
            states = np.asarray(hidden[0], dtype=np.float32)
            weights = mask[..., None].astype(np.float32)
            pooled = (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[rows] = normalise(pooled)
            if progress:
                progress(min(start + self.batch_size, len(texts)), len(texts))
        return out


class OpenAIEmbedder:
    """An OpenAI (or OpenAI-compatible) embedding endpoint. Text-embedding-3 models can be
    asked for fewer dimensions; 1536 matches the second HNSW index."""

    chunk_tokens = 384  # measured in words and punctuation, a little under the model's tokens

    def __init__(
        self,
        model: str,
        *,
        dimensions: int | None = None,
        batch_size: int = 128,
        client: OpenAI | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
    ) -> None:
        native = OPENAI_DIMENSIONS.get(model)
        if dimensions is None and native is None:
            raise EmbeddingError(
                f"The dimension of OpenAI model {model!r} is unknown: set BUFFR_EMBED_DIMENSIONS."
            )
        self.model = model
        self.dimension = dimensions or native or 0
        self._ask_dimensions = dimensions is not None and model.startswith("text-embedding-3")
        self.name = f"openai:{model}:{self.dimension}"
        self.batch_size = batch_size
        if client is None:
            from openai import OpenAI

            if not api_key and not base_url:
                raise EmbeddingError(
                    "BUFFR_EMBED_PROVIDER=openai needs an API key: set OPENAI_API_KEY "
                    "(or BUFFR_EMBED_OPENAI_API_KEY), or BUFFR_EMBED_OPENAI_BASE_URL."
                )
            client = OpenAI(api_key=api_key or "unused", base_url=base_url, max_retries=2)
        self._client = client

    def tokenize(self, text: str) -> list[str]:
        return _WORDS.findall(text)

    def embed(self, texts: Sequence[str], progress: EmbedProgress | None = None) -> Vectors:
        import openai

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = [t or " " for t in texts[start : start + self.batch_size]]
            extra: dict[str, Any] = {"dimensions": self.dimension} if self._ask_dimensions else {}
            try:
                reply = self._client.embeddings.create(model=self.model, input=batch, **extra)
            except openai.OpenAIError as error:
                raise EmbeddingError(f"OpenAI embeddings failed: {error}") from error
            rows = np.array(
                [d.embedding for d in sorted(reply.data, key=lambda d: d.index)], dtype=np.float32
            )
            if rows.shape != (len(batch), self.dimension):
                raise EmbeddingError(
                    f"OpenAI model {self.model} returned vectors of shape {rows.shape}, "
                    f"expected ({len(batch)}, {self.dimension})."
                )
            out[start : start + len(batch)] = normalise(rows)
            if progress:
                progress(start + len(batch), len(texts))
        return out


class HashingEmbedder:
    """A fake for tests: a bag of hashed words, so texts sharing words are close. Deterministic
    and instant; it goes through the same storage and retrieval code as the real models."""

    chunk_tokens = 192

    def __init__(self, dimension: int = 384, name: str | None = None) -> None:
        self.dimension = dimension
        self.name = name or f"hashing-{dimension}"

    def tokenize(self, text: str) -> list[str]:
        return _WORDS.findall(text)

    def embed(self, texts: Sequence[str], progress: EmbedProgress | None = None) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                slot = int.from_bytes(digest[:4], "little") % self.dimension
                out[row, slot] += 1.0 if digest[4] & 1 else -1.0
        if progress:
            progress(len(texts), len(texts))
        return normalise(out)


@lru_cache(maxsize=4)
def _local(model_dir: Path, name: str, batch_size: int) -> LocalOnnxEmbedder:
    """Loading the ONNX graph takes a few hundred milliseconds: once per process."""
    return LocalOnnxEmbedder(model_dir, name, batch_size)


def local_embedder(name: str = LOCAL_DEFAULT_MODEL, batch_size: int = 32) -> LocalOnnxEmbedder:
    """The local model by catalogue name (pulled on first use) or by a directory holding
    ``model.onnx`` and ``tokenizer.json``."""
    from buffr.modelhub import CATALOGUE, ensure_model

    spec = CATALOGUE.get(name)
    if spec is not None:
        if spec.role != "embeddings":
            raise EmbeddingError(f"Model {name!r} is a {spec.role} model, not an embedding model.")
        return _local(ensure_model(name), name, batch_size)
    directory = Path(name).expanduser()
    if not (directory / "model.onnx").is_file() or not (directory / "tokenizer.json").is_file():
        raise EmbeddingError(
            f"BUFFR_EMBED_MODEL={name!r} is neither a catalogued embedding model "
            f"({LOCAL_DEFAULT_MODEL}) nor a folder with model.onnx and tokenizer.json."
        )
    return _local(directory.resolve(), f"onnx:{directory.resolve().name}", batch_size)


def get_embedder(settings: KnowledgeSettings | None = None) -> Embedder:
    """The configured embedder (BUFFR_EMBED_PROVIDER, BUFFR_EMBED_MODEL), loaded once."""
    settings = settings or get_knowledge_settings()
    if settings.embed_provider == "local":
        return local_embedder(settings.model_name, settings.embed_batch_size)
    return _openai(
        settings.model_name,
        settings.embed_dimensions,
        settings.embed_openai_api_key.get_secret_value() if settings.embed_openai_api_key else None,
        settings.embed_openai_base_url,
    )


@lru_cache(maxsize=4)
def _openai(
    model: str, dimensions: int | None, api_key: str | None, base_url: str | None
) -> OpenAIEmbedder:
    return OpenAIEmbedder(model, dimensions=dimensions, api_key=api_key, base_url=base_url)

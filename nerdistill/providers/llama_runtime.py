"""Building and installing llama.cpp (llama-cpp-python) so that it runs on any x86-64 CPU of AVX2 and up.

llama-cpp-python is published only as source, and its default build passes ``-march=native``
(``GGML_NATIVE``): it compiles for the CPU it is built on. That build is a trap twice over. On an Intel
Xeon with AMX (Sapphire Rapids and later) it compiles llama.cpp's AMX kernels, which die with SIGILL
(``tileloadd``) as soon as a prompt is a few hundred tokens; and pip's wheel cache keys on the source, not
on the flags, so a wheel built natively on one machine is silently reused on the next, whatever its CPU.

So nerdistill builds the wheel itself with explicit CPU features: x86-64-v3 (SSE4.2, AVX, AVX2, BMI2,
FMA, F16C), which every x86-64 server CPU of the last ten years has, and none of AVX-512 or AMX.
``benchmarks/annotation.py --local N --compare-native`` measures what that costs against a native build
on a machine where the native one works. The wheel is built with pip's cache off and kept in
``$NERDISTILL_HOME/wheels/<variant>/``, under a name that says how it was built: a portable wheel can be
reused on any machine, a native one only on a CPU with the same features. Other architectures get
llama.cpp's generic build (``GGML_NATIVE=OFF``).

``nerdistill models install-runtime`` runs this; ``nerdistill doctor`` checks the result. Only the
standard library is used, so this works before anything else is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nerdistill.core.errors import NerdistillError
from nerdistill.core.paths import nerdistill_home

LLAMA_CPP_REQUIREMENT = "llama-cpp-python==0.3.36"

# x86-64-v3: every feature named, none left to the build machine. AVX-512 is off because AVX2-only CPUs
# (many AMD EPYC before Zen 4, desktop Intel) would die on it; AMX is off because its kernels crash.
PORTABLE_X86_64_FEATURES = ("SSE42", "AVX", "AVX2", "BMI2", "FMA", "F16C")
X86_64_FEATURES_OFF = ("AVX_VNNI", "AVX512", "AVX512_VBMI", "AVX512_VNNI", "AVX512_BF16",
                       "AMX_TILE", "AMX_INT8", "AMX_BF16")

# the reinstall a user is told to run when the installed build does not suit this CPU
REINSTALL_COMMAND = "nerdistill models install-runtime --force"


@dataclass(frozen=True)
class BuildVariant:
    """One way of compiling llama.cpp: its name (part of the wheel folder's name) and its CMake flags."""

    name: str
    cmake_args: tuple[str, ...]

    @property
    def key(self) -> str:
        """The wheel folder's name: the variant, the requirement and a hash of the flags."""
        digest = hashlib.sha256(" ".join((LLAMA_CPP_REQUIREMENT, *self.cmake_args)).encode()).hexdigest()[:12]
        return f"{LLAMA_CPP_REQUIREMENT.replace('==', '-')}-{self.name}-{digest}"


def portable_variant(machine: str | None = None) -> BuildVariant:
    machine = (machine or platform.machine()).lower()
    args = ["-DGGML_NATIVE=OFF"]
    if machine in ("x86_64", "amd64"):
        args += [f"-DGGML_{feature}=ON" for feature in PORTABLE_X86_64_FEATURES]
        args += [f"-DGGML_{feature}=OFF" for feature in X86_64_FEATURES_OFF]
        return BuildVariant(f"portable-{machine}-v3", tuple(args))
    return BuildVariant(f"portable-{machine}-generic", tuple(args))


def native_variant() -> BuildVariant:
    """llama.cpp's own default (``-march=native``), kept apart per CPU: for measuring, not for shipping."""
    features = hashlib.sha256(" ".join(sorted(cpu_flags())).encode()).hexdigest()[:8]
    return BuildVariant(f"native-{platform.machine().lower()}-cpu{features}", ("-DGGML_NATIVE=ON",))


def variant_named(name: str) -> BuildVariant:
    if name == "portable":
        return portable_variant()
    if name == "native":
        return native_variant()
    raise NerdistillError(f"unknown llama.cpp build {name!r}: 'portable' or 'native'")


def cpu_flags() -> set[str]:
    """The CPU's feature flags as the kernel lists them (empty where /proc/cpuinfo has none)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            return set(line.split(":", 1)[1].split())
    return set()


def wheels_home() -> Path:
    return nerdistill_home() / "wheels"


def build_wheel(variant: BuildVariant, *, force: bool = False, log: Callable[[str], None] = print) -> Path:
    """The llama-cpp-python wheel of this variant: built once (pip's cache off), then taken from its folder."""
    folder = wheels_home() / variant.key
    existing = sorted(folder.glob("llama_cpp_python-*.whl"))
    if existing and not force:
        log(f"using the {variant.name} build of {LLAMA_CPP_REQUIREMENT} from {folder}")
        return existing[-1]
    log(f"building {LLAMA_CPP_REQUIREMENT} ({variant.name}: {' '.join(variant.cmake_args)}); about 10 minutes "
        "on 2 cores")
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nerdistill-wheel-", dir=folder.parent) as scratch:
        environment = {**os.environ, "CMAKE_ARGS": " ".join(variant.cmake_args), "FORCE_CMAKE": "1"}
        _pip(["wheel", "--no-deps", "--no-cache-dir", "--no-binary", "llama-cpp-python", "--wheel-dir",
              scratch, LLAMA_CPP_REQUIREMENT], environment, f"building {LLAMA_CPP_REQUIREMENT}")
        built = sorted(Path(scratch).glob("llama_cpp_python-*.whl"))
        if len(built) != 1:
            raise NerdistillError(f"pip built no llama-cpp-python wheel in {scratch}")
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        wheel = folder / built[0].name
        built[0].replace(wheel)
        (folder / "build.json").write_text(json.dumps(
            {"requirement": LLAMA_CPP_REQUIREMENT, "variant": variant.name, "cmake_args": list(variant.cmake_args),
             "built_on": platform.machine()}, indent=2) + "\n")
    log(f"built {wheel}")
    return wheel


def install_runtime(variant: BuildVariant, *, force: bool = False, log: Callable[[str], None] = print) -> Path:
    """Build (or reuse) the variant's wheel and install it into this Python environment; returns the wheel."""
    wheel = build_wheel(variant, force=force, log=log)
    _pip(["install", "--quiet", "--force-reinstall", "--no-deps", str(wheel)], dict(os.environ), f"installing {wheel}")
    # its own requirements (numpy, jinja2, diskcache, typing-extensions) from the index, as usual
    _pip(["install", "--quiet", str(wheel)], dict(os.environ), f"installing what {wheel.name} requires")
    log(f"installed {wheel.name} ({variant.name}) into {sys.prefix}")
    return wheel


def _pip(arguments: list[str], environment: dict[str, str], doing: str) -> None:
    result = subprocess.run([sys.executable, "-m", "pip", *arguments], env=environment, capture_output=True,
                            text=True)
    if result.returncode != 0:
        tail = " | ".join((result.stderr or result.stdout).strip().splitlines()[-3:])
        raise NerdistillError(f"{doing} failed (pip exit {result.returncode}): {tail}")


# llama_print_system_info()'s names for compiled-in x86 features -> the kernel's CPU flags
COMPILED_FEATURE_FLAGS = {
    "SSE3": "pni", "SSSE3": "ssse3", "AVX": "avx", "AVX2": "avx2", "F16C": "f16c", "FMA": "fma", "BMI2": "bmi2",
    "AVX_VNNI": "avx_vnni", "AVX512": "avx512f", "AVX512_VBMI": "avx512vbmi", "AVX512_VNNI": "avx512_vnni",
    "AVX512_BF16": "avx512_bf16", "AMX_INT8": "amx_int8",
}
PORTABLE_COMPILED = {"SSE3", "SSSE3", "AVX", "AVX2", "F16C", "FMA", "BMI2"}


def compiled_features(system_info: str) -> set[str]:
    """The CPU features a llama.cpp build uses, from its ``llama_print_system_info()`` (``AVX2 = 1 | ...``)."""
    features = set()
    for item in system_info.replace("CPU :", "|").split("|"):
        name, _, value = item.partition("=")
        if value.strip() == "1" and name.strip() in COMPILED_FEATURE_FLAGS:
            features.add(name.strip())
    return features


def build_problems(compiled: set[str], flags: set[str]) -> tuple[list[str], list[str]]:
    """What is wrong with a build on this CPU: (failures, warnings). A feature the CPU lacks dies with SIGILL;
    AMX kernels died on Xeons that list AMX; a native build works here but nowhere else."""
    failures, warnings = [], []
    if flags:
        missing = sorted(f for f in compiled if COMPILED_FEATURE_FLAGS[f] not in flags)
        if missing:
            failures.append(f"compiled for CPU features this CPU lacks ({', '.join(missing)}): it will die with "
                            "an illegal instruction")
    if "AMX_INT8" in compiled:
        failures.append("compiled with llama.cpp's AMX kernels, which die with SIGILL on Xeons that list AMX")
    extra = sorted(compiled - PORTABLE_COMPILED - {"AMX_INT8"})
    if extra and not failures:
        warnings.append(f"built for this CPU ({', '.join(extra)} beyond x86-64-v3), not the portable build: "
                        "copied to another machine it may crash")
    return failures, warnings

"""Building and installing llama.cpp (llama-cpp-python) for the CPU it runs on, never with ``-march=native``.

llama-cpp-python is published only as source, and its default build passes ``-march=native``
(``GGML_NATIVE``): it compiles for whatever the build machine's compiler believes it has. That build is a
trap twice over. On an Intel Xeon with AMX (Sapphire Rapids and later) it compiles llama.cpp's AMX
kernels, which die with SIGILL (``tileloadd``) as soon as a prompt is a few hundred tokens; and pip's wheel
cache keys on the source, not on the flags, so a wheel built on one machine is silently reused on the next,
whatever its CPU.

So nerdistill builds the wheel itself, with every CPU feature named (``-DGGML_NATIVE=OFF`` and each
``GGML_<feature>`` on or off), AMX always off:

- ``portable`` (the default): x86-64-v3 (SSE4.2, AVX, AVX2, BMI2, FMA, F16C), which every x86-64 server CPU
  of the last ten years has, so an environment or image can move between machines.
- ``cpu``: the x86 features this CPU lists in ``/proc/cpuinfo`` (AVX-512 with its VNNI and BF16 where
  present), chosen where the install happens. On this project's AMD EPYC llama.cpp itself ran 1.4 to 1.5
  times as fast on prompts and 1.2 times as fast writing, but its greedy answers differed from the portable
  build's on 10 of 40 sentences, one of them a loop to ``max_tokens``, and scored micro F1 0.41 against 0.45
  (``benchmarks/results-annotation-builds*.json``): faster arithmetic, not better answers, so not the
  default.
- ``native``: llama.cpp's own ``-march=native``, for measuring only.

The wheel is built with pip's cache off and kept in ``$NERDISTILL_HOME/wheels/<key>/``, the key naming the
build and a hash of its flags, so a wheel is only ever reused on a CPU it was built for: a ``cpu`` wheel of
an AVX-512 machine is not what an AVX2 machine finds. ``nerdistill doctor`` fails a build that uses a
feature this CPU lacks (an environment copied from elsewhere) and says what to run. Other architectures get
llama.cpp's generic build (``GGML_NATIVE=OFF``). Only the standard library is used here.
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

# each of llama.cpp's x86 feature switches, and the CPU flags (as /proc/cpuinfo names them) it needs
X86_FEATURES: dict[str, tuple[str, ...]] = {
    "SSE42": ("sse4_2",), "AVX": ("avx",), "AVX2": ("avx2",), "BMI2": ("bmi2",), "FMA": ("fma",), "F16C": ("f16c",),
    "AVX_VNNI": ("avx_vnni",), "AVX512": ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw"),
    "AVX512_VBMI": ("avx512f", "avx512vbmi"), "AVX512_VNNI": ("avx512f", "avx512_vnni"),
    "AVX512_BF16": ("avx512f", "avx512_bf16"),
}
# x86-64-v3, which every x86-64 server CPU of the last ten years has
X86_64_V3 = ("SSE42", "AVX", "AVX2", "BMI2", "FMA", "F16C")
# always off: llama.cpp's AMX kernels die with SIGILL on Xeons that list AMX
AMX = ("AMX_TILE", "AMX_INT8", "AMX_BF16")
BUILDS = ("cpu", "portable", "native")

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


def x86_variant(name: str, features: tuple[str, ...] | list[str]) -> BuildVariant:
    """Every feature switch named, on or off: nothing left to the build machine."""
    args = ["-DGGML_NATIVE=OFF"] + [f"-DGGML_{f}={'ON' if f in features else 'OFF'}" for f in X86_FEATURES]
    return BuildVariant(name, tuple(args + [f"-DGGML_{f}=OFF" for f in AMX]))


def portable_variant(machine: str | None = None) -> BuildVariant:
    machine = (machine or platform.machine()).lower()
    if machine in ("x86_64", "amd64"):
        return x86_variant(f"portable-{machine}-v3", X86_64_V3)
    return BuildVariant(f"portable-{machine}-generic", ("-DGGML_NATIVE=OFF",))


def cpu_variant(flags: set[str] | None = None, machine: str | None = None) -> BuildVariant:
    """The x86 features this CPU has, each named; AMX never. Elsewhere, the generic build."""
    machine = (machine or platform.machine()).lower()
    if machine not in ("x86_64", "amd64"):
        return portable_variant(machine)
    flags = cpu_flags() if flags is None else flags
    features = [f for f, needed in X86_FEATURES.items() if all(flag in flags for flag in needed)]
    beyond = [f.lower() for f in features if f not in X86_64_V3]
    level = "v3" if all(f in features for f in X86_64_V3) else "base"
    return x86_variant(f"cpu-{machine}-{'-'.join([level, *beyond])}", features)


def native_variant() -> BuildVariant:
    """llama.cpp's own default (``-march=native``), kept apart per CPU: for measuring, not for shipping."""
    features = hashlib.sha256(" ".join(sorted(cpu_flags())).encode()).hexdigest()[:8]
    return BuildVariant(f"native-{platform.machine().lower()}-cpu{features}", ("-DGGML_NATIVE=ON",))


def variant_named(name: str) -> BuildVariant:
    variants = {"cpu": cpu_variant, "portable": portable_variant, "native": native_variant}
    if name not in variants:
        raise NerdistillError(f"unknown llama.cpp build {name!r}: {', '.join(BUILDS)}")
    return variants[name]()


def cpu_flags() -> set[str]:
    """The CPU's feature flags as the kernel lists them (empty where /proc/cpuinfo has none)."""
    return set(_cpuinfo_field(("flags", "Features")).split())


def cpu_model_name() -> str:
    return _cpuinfo_field(("model name",)) or platform.processor() or "unknown CPU"


def _cpuinfo_field(names: tuple[str, ...]) -> str:
    """The first CPU's value of a /proc/cpuinfo field, or "" where there is none."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""
    return next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith(names)), "")


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
        _pip(["wheel", "--no-deps", "--no-cache-dir", "--no-binary", "llama-cpp-python", "--wheel-dir",
              scratch, LLAMA_CPP_REQUIREMENT], f"building {LLAMA_CPP_REQUIREMENT}",
             CMAKE_ARGS=" ".join(variant.cmake_args), FORCE_CMAKE="1")
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
    _pip(["install", "--quiet", "--force-reinstall", "--no-deps", str(wheel)], f"installing {wheel}")
    # its own requirements (numpy, jinja2, diskcache, typing-extensions) from the index, as usual
    _pip(["install", "--quiet", str(wheel)], f"installing what {wheel.name} requires")
    log(f"installed {wheel.name} ({variant.name}) into {sys.prefix}")
    return wheel


def _pip(arguments: list[str], doing: str, **environment: str) -> None:
    result = subprocess.run([sys.executable, "-m", "pip", *arguments], env={**os.environ, **environment},
                            capture_output=True, text=True)
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


def build_problems(compiled: set[str], flags: set[str]) -> list[str]:
    """What makes a build unusable on this CPU: a feature the CPU lacks dies with SIGILL, and AMX kernels died
    on Xeons that list AMX."""
    failures = []
    if flags:
        missing = sorted(f for f in compiled if COMPILED_FEATURE_FLAGS[f] not in flags)
        if missing:
            failures.append(f"compiled for CPU features this CPU lacks ({', '.join(missing)}): it will die with "
                            "an illegal instruction")
    if "AMX_INT8" in compiled:
        failures.append("compiled with llama.cpp's AMX kernels, which die with SIGILL on Xeons that list AMX")
    return failures


def is_portable(compiled: set[str]) -> bool:
    """Whether a build uses no more than x86-64-v3, and so runs on any x86-64 CPU of AVX2 and up."""
    return compiled <= PORTABLE_COMPILED

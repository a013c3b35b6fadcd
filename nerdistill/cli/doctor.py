"""``nerdistill doctor``: after installing, is everything usable on this machine, and if not, what to run.

Each check gives a status (``ok``, ``warn``, ``missing`` for an optional part not installed, ``FAIL`` for one
installed but unusable) and, where it is not ok, the command that mends it. The local model is tried for
real, in a child process (``providers/llama_probe.py``): a llama.cpp built for another CPU dies with SIGILL
only once it runs a prompt of a few hundred tokens, and must not take the doctor down with it.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass

import click

from nerdistill.core.training.encoders import PACKAGED_ENCODERS, load_tokenizer
from nerdistill.core.errors import NerdistillError
from nerdistill.core.tables import format_table
from nerdistill.providers import llama_probe, llama_runtime
from nerdistill.providers.catalogue import CATALOGUE, installed_path, resolve_model, verify_model

REINSTALL = llama_runtime.REINSTALL_COMMAND
SHOWN_CPU_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16")


@dataclass
class Check:
    name: str
    status: str  # ok, warn, missing, FAIL
    detail: str
    remedy: str = ""


@click.command()
@click.option("--quick", is_flag=True, help="Skip the slow parts: no sha256 of the models, no prompt answered.")
@click.option("--json", "as_json", is_flag=True)
def doctor(quick: bool, as_json: bool) -> None:
    """Check this installation: CPU and llama.cpp build, local models (sha256, one real prompt each, in a child
    process), encoders, litellm offline. Exit code 0 when everything installed is usable; optional parts not
    installed are listed as missing, with the command that installs them."""
    checks = [cpu_check(), *llama_checks(quick), *encoder_checks(), litellm_check()]
    if as_json:
        click.echo(json.dumps([asdict(c) for c in checks], indent=2))
    else:
        click.echo(format_table(["check", "status", "detail"], [(c.name, c.status, c.detail) for c in checks]))
        remedies = [f"  {c.name}: {c.remedy}" for c in checks if c.remedy]
        if remedies:
            click.echo("\nto mend:\n" + "\n".join(remedies))
    failed = [c.name for c in checks if c.status == "FAIL"]
    if failed:
        raise click.ClickException(f"not usable: {', '.join(failed)}")


def cpu_check() -> Check:
    flags = llama_runtime.cpu_flags()
    model = llama_runtime.cpu_model_name()
    shown = " ".join(f for f in SHOWN_CPU_FLAGS if f in flags) or "none of " + ", ".join(SHOWN_CPU_FLAGS)
    detail = f"{model} ({platform.machine()}, {os.cpu_count()} cores); {shown}"
    if platform.machine().lower() in ("x86_64", "amd64") and flags and "avx2" not in flags:
        return Check("cpu", "warn", detail, "this CPU lacks AVX2, which the portable llama.cpp build needs")
    return Check("cpu", "ok", detail)


def llama_checks(quick: bool) -> list[Check]:
    info = llama_probe.build_info()
    if info.crashed:
        return [Check("llama.cpp", "FAIL", f"loading llama-cpp-python killed the process: {info.crashed}", REINSTALL)]
    if info.error:
        if "No module named 'llama_cpp'" in info.error:
            return [Check("llama.cpp", "missing", "llama-cpp-python is not installed (needed by the local provider)",
                          "nerdistill models install-runtime")]
        return [Check("llama.cpp", "FAIL", f"llama-cpp-python does not load: {info.error}", REINSTALL)]
    version, system_info = info.answer
    compiled = llama_runtime.compiled_features(system_info)
    failures = llama_runtime.build_problems(compiled, llama_runtime.cpu_flags())
    detail = f"llama-cpp-python {version}, compiled for {' '.join(sorted(compiled)) or 'no SIMD feature'}"
    if failures:
        build = Check("llama.cpp", "FAIL", f"{detail}: {'; '.join(failures)}", REINSTALL)
    elif llama_runtime.is_portable(compiled):
        build = Check("llama.cpp", "ok", f"{detail} (portable: any x86-64 CPU of AVX2 and up)")
    else:
        build = Check("llama.cpp", "ok", f"{detail} (this CPU's features; for an environment that moves between "
                                         "machines: nerdistill models install-runtime --build portable)")
    return [build, *model_checks(quick, build_usable=not failures)]


def model_checks(quick: bool, *, build_usable: bool) -> list[Check]:
    installed = [name for name in CATALOGUE if installed_path(name)]
    if not installed:
        return [Check("local models", "missing", "no local model is installed",
                      "nerdistill models install qwen2.5-coder-1.5b-instruct-q4_k_m")]
    return [model_check(name, quick, build_usable) for name in installed]


def model_check(name: str, quick: bool, build_usable: bool) -> Check:
    label, reinstall = f"model {name}", f"nerdistill models install {name} --force"
    try:
        path = resolve_model(name)
    except NerdistillError as error:
        return Check(label, "FAIL", str(error), reinstall)
    if quick:
        return Check(label, "ok", f"{path} (size and header checked; --quick: no sha256, no prompt)")
    if not verify_model(name):
        return Check(label, "FAIL", f"{path}: sha256 differs from the official release", reinstall)
    if not build_usable:
        return Check(label, "warn", "sha256 verified; not tried, as the llama.cpp build is unusable", REINSTALL)
    tried = llama_probe.probe_model(name)
    if tried.crashed:
        return Check(label, "FAIL", f"sha256 verified; answering one prompt killed llama.cpp: {tried.crashed}",
                     REINSTALL)
    if tried.error or tried.answer["status"] != "ok":
        reason = tried.error or tried.answer["error"]
        return Check(label, "FAIL", f"sha256 verified; one prompt was not answered: {reason}", REINSTALL)
    answer = tried.answer
    return Check(label, "ok", f"sha256 verified; answered a {answer['prompt_tokens']}-token prompt in "
                              f"{answer['seconds']} s ({answer['completion_tokens']} tokens written)")


def encoder_checks() -> list[Check]:
    checks = []
    for name, (_, install) in PACKAGED_ENCODERS.items():
        try:
            tokenizer = load_tokenizer(name)
        except NerdistillError as error:
            checks.append(Check(f"encoder {name}", "missing", str(error), install))
            continue
        checks.append(Check(f"encoder {name}", "ok", f"found at {tokenizer.name_or_path}"))
    return checks


def litellm_check() -> Check:
    from nerdistill.core.annotation.llm import import_litellm

    try:
        import_litellm()
    except Exception as error:  # any import failure of a third-party stack is this check's finding
        return Check("litellm", "FAIL", f"does not import: {type(error).__name__}: {error}",
                     "pip install --force-reinstall 'litellm>=1.100,<1.107'")
    local_prices = os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP", "").lower() in ("1", "true", "yes")
    offline = os.environ.get("NERDISTILL_OFFLINE", "").lower() in ("1", "true", "yes")
    detail = (f"litellm {_version('litellm')}: "
              + ("offline at import (its price table read from the package)" if local_prices else
                 "fetches its price table at import (LITELLM_LOCAL_MODEL_COST_MAP is off)")
              + ("; NERDISTILL_OFFLINE is on: only loopback addresses" if offline else ""))
    if not local_prices:
        return Check("litellm", "warn", detail, "unset LITELLM_LOCAL_MODEL_COST_MAP, or set it to True")
    return Check("litellm", "ok", detail)


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


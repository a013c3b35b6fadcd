"""The portable llama.cpp build, the child process that tries it, and ``nerdistill doctor``."""

import json

import pytest

from nerdistill.providers import llama_probe, llama_runtime
from nerdistill.providers.llama_probe import ChildResult
from tests.child_process import in_child_process

SMALLEST = "smollm2-135m-instruct-q4_1"
AMX_XEON_BUILD = ("CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | AVX512 = 1 | "
                  "AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | OPENMP = 1 | ")
PORTABLE_BUILD = "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | LLAMAFILE = 1 | "
AVX2_CPU = {"pni", "ssse3", "avx", "avx2", "f16c", "fma", "bmi2"}
AMX_XEON = AVX2_CPU | {"sse4_2", "avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw", "avx512vbmi", "avx512_vnni",
                       "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16"}


def test_the_portable_build_names_every_cpu_feature_and_none_beyond_avx2():
    args = llama_runtime.portable_variant("x86_64").cmake_args
    assert "-DGGML_NATIVE=OFF" in args and "-DGGML_AVX2=ON" in args and "-DGGML_FMA=ON" in args
    assert {"-DGGML_AVX512=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_TILE=OFF"} <= set(args)
    assert not [a for a in args if a.endswith("=ON") and ("AVX512" in a or "AMX" in a)]
    assert llama_runtime.portable_variant("aarch64").cmake_args == ("-DGGML_NATIVE=OFF",)


def test_the_cpu_build_takes_what_this_cpu_lists_and_never_amx():
    on = {a for a in llama_runtime.cpu_variant(AMX_XEON, "x86_64").cmake_args if a.endswith("=ON")}
    assert {"-DGGML_AVX2=ON", "-DGGML_AVX512=ON", "-DGGML_AVX512_VNNI=ON", "-DGGML_AVX512_BF16=ON"} <= on
    assert not [a for a in on if "AMX" in a] and "-DGGML_NATIVE=OFF" in llama_runtime.cpu_variant(AMX_XEON).cmake_args
    avx2 = llama_runtime.cpu_variant(AVX2_CPU | {"sse4_2"}, "x86_64")
    assert avx2.cmake_args == llama_runtime.portable_variant("x86_64").cmake_args
    assert avx2.key != llama_runtime.cpu_variant(AMX_XEON, "x86_64").key  # never reused on the other CPU


def test_a_kept_wheel_says_how_it_was_built_so_a_native_one_is_never_reused_as_portable():
    portable, native = llama_runtime.portable_variant("x86_64"), llama_runtime.native_variant()
    assert portable.key != native.key and "portable" in portable.key and "native" in native.key
    assert portable.key.startswith("llama-cpp-python-0.3.36-")


def test_a_wheel_is_built_with_pips_cache_off_then_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("NERDISTILL_HOME", str(tmp_path))
    calls = []

    def fake_pip(arguments, doing, **environment):
        calls.append((arguments, environment.get("CMAKE_ARGS")))
        if arguments[0] == "wheel":
            folder = arguments[arguments.index("--wheel-dir") + 1]
            (tmp_path / folder / "llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl").write_bytes(b"wheel")

    monkeypatch.setattr(llama_runtime, "_pip", fake_pip)
    variant = llama_runtime.portable_variant("x86_64")
    wheel = llama_runtime.build_wheel(variant, log=lambda line: None)
    (arguments, cmake_args), = calls
    assert "--no-cache-dir" in arguments and cmake_args == " ".join(variant.cmake_args)
    assert wheel.parent.name == variant.key
    assert json.loads((wheel.parent / "build.json").read_text())["cmake_args"] == list(variant.cmake_args)
    assert llama_runtime.build_wheel(variant, log=lambda line: None) == wheel and len(calls) == 1


def test_a_build_for_features_the_cpu_lacks_or_with_amx_fails():
    amx = llama_runtime.compiled_features(AMX_XEON_BUILD)
    assert "AMX_INT8" in amx and "AVX512" in amx
    assert llama_runtime.build_problems(amx, AMX_XEON) == [
        "compiled with llama.cpp's AMX kernels, which die with SIGILL on Xeons that list AMX"]
    assert "this CPU lacks (AMX_INT8, AVX512, AVX512_BF16, AVX512_VBMI, AVX512_VNNI)" in llama_runtime.build_problems(
        amx, AVX2_CPU)[0]
    assert llama_runtime.build_problems(amx - {"AMX_INT8"}, AMX_XEON) == []
    assert not llama_runtime.is_portable(amx - {"AMX_INT8"})
    portable = llama_runtime.compiled_features(PORTABLE_BUILD)
    assert llama_runtime.build_problems(portable, AMX_XEON) == [] and llama_runtime.is_portable(portable)


def dies_of_an_illegal_instruction() -> None:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGILL)


def test_a_crash_of_a_real_model_test_fails_that_test_alone_with_the_signal_named():
    with pytest.raises(pytest.fail.Exception, match=r"killed the process with SIGILL \(Illegal instruction\); "
                                                    "`nerdistill doctor` says why"):
        in_child_process(dies_of_an_illegal_instruction)


def test_doctor_names_a_crashing_build_and_the_command_that_mends_it(run_cli, monkeypatch, tmp_path):
    monkeypatch.setenv("NERDISTILL_HOME", str(tmp_path))
    monkeypatch.setattr(llama_probe, "build_info", lambda: ChildResult(crashed="SIGILL (Illegal instruction)"))
    result = run_cli("doctor", "--quick")
    assert result.exit_code == 1
    assert "FAIL" in result.output and "killed the process: SIGILL (Illegal instruction)" in result.output
    assert f"llama.cpp: {llama_runtime.REINSTALL_COMMAND}" in result.output
    assert "Error: not usable: llama.cpp" in result.output
    monkeypatch.setattr(llama_probe, "build_info", lambda: ChildResult(answer=["0.3.36", AMX_XEON_BUILD]))
    monkeypatch.setattr(llama_runtime, "cpu_flags", lambda: AMX_XEON)
    checks = {c["name"]: c for c in json.loads(run_cli("doctor", "--quick", "--json").stdout)}
    assert checks["llama.cpp"]["status"] == "FAIL" and "AMX kernels" in checks["llama.cpp"]["detail"]
    assert checks["local models"]["status"] == "missing"  # an empty NERDISTILL_HOME


@pytest.mark.slow
def test_doctor_tries_the_installed_build_and_model_for_real(run_cli):
    """On the installation README's command makes: the build for this CPU, SmolLM2 (installed here if need be)
    answering a prompt of a few hundred tokens in a child process."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is installed by `nerdistill models install-runtime`")
    from nerdistill.providers.catalogue import install_model

    install_model(SMALLEST, log=lambda line: None)
    result = run_cli("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert checks["llama.cpp"]["status"] == "ok", checks
    assert checks[f"model {SMALLEST}"]["status"] == "ok", checks[f"model {SMALLEST}"]
    prompt_tokens = int(checks[f"model {SMALLEST}"]["detail"].split("answered a ")[1].split("-token")[0])
    assert prompt_tokens >= 300  # long enough to reach the kernels that crashed on AMX Xeons
    assert result.exit_code == 0 and not [c for c in checks.values() if c["status"] == "FAIL"]


def test_the_guides_figures_for_the_builds_are_the_measured_ones():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    guide = " ".join((root / "docs" / "guide.md").read_text().split())
    speed = json.loads((root / "benchmarks" / "results-annotation-builds.json").read_text())
    quality = json.loads((root / "benchmarks" / "results-annotation-builds-quality.json").read_text())

    def mean(values):
        return sum(values) / len(values)

    prompt, written = speed["prompt_tokens_per_second"], speed["generated_tokens_per_second"]
    assert (f"({mean(prompt['cpu']):.1f} against {mean(prompt['portable']):.1f} tokens/s, two rounds)" in guide
            and speed["rounds"] == 2)
    assert f"({mean(written['cpu']):.1f} against {mean(written['portable']):.1f})" in guide
    assert f"{mean(prompt['cpu']) / mean(prompt['portable']):.1f} times as fast on prompts" in guide
    standard = quality["standard"]
    differing = standard["answers"] - standard["answers_same_as_native"]["portable"]
    assert standard["answers_same_as_native"]["cpu"] == standard["answers"]  # cpu and native answer alike
    assert f"greedy answers of {differing} of {standard['answers']} CoNLL sentences" in guide
    assert (f"micro F1 {standard['f1']['cpu'][0]:.2f} against the portable build's "
            f"{standard['f1']['portable'][0]:.2f}") in guide

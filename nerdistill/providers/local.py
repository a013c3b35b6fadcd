"""A GGUF model run in-process by llama.cpp, behind litellm's ``CustomLLM``.

Going through litellm keeps instructor and the strategies unchanged: the model is reached as
``nerdistill-local/<key>`` like any other litellm model. Output is constrained by a grammar built from
the answer's JSON schema (instructor's JSON_SCHEMA mode, translated to llama.cpp's
``{"type": "json_object", "schema": ...}``), so a small model cannot break the format. One model
answers one call at a time; llama.cpp reuses the cached prompt prefix (system message and fixed
examples) from one call to the next.
"""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from nerdistill.core.cpu import usable_cores
from nerdistill.core.errors import NerdistillError
from nerdistill.core.annotation.llm import LiteLLMAsker, import_litellm
from nerdistill.core.annotation.provider import Provider, ProviderOptions
from nerdistill.providers.catalogue import CATALOGUE, resolve_model

LOCAL_PROVIDER = "nerdistill-local"
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"


class LocalOptions(ProviderOptions):
    model: str = Field(DEFAULT_LOCAL_MODEL, description="a catalogue name (nerdistill models list) or a .gguf path")
    n_ctx: int = Field(4096, ge=256, description="context window in tokens")
    n_threads: int | None = Field(None, ge=1, description="CPU threads (default: the cores this process may use)")
    temperature: float = Field(0.0, description="sampling temperature (0: greedy)")
    seed: int = Field(0, description="sampling seed")
    max_tokens: int = Field(1024, ge=16, description="the most tokens an answer may have; a looping answer stops here")
    repeat_penalty: float | None = Field(None, gt=0, description="llama.cpp's penalty on tokens repeated in "
                                         "the answer (1.1 is common): greedy decoding by a small model can loop "
                                         "on one entity until max_tokens; unset, none")
    constrained: bool = Field(True, description="constrain output by a grammar from the answer's JSON schema")
    logprobs: bool = Field(False, description="record the log probability of every token of the answer, for each "
                           "entity's confidence")


@dataclass(frozen=True)
class _LoadedModel:
    path: Path
    n_ctx: int
    n_threads: int


class LocalGGUFProvider(Provider):
    options_model = LocalOptions
    description = "A GGUF model run in-process by llama.cpp (offline; grammar-constrained JSON)."
    max_concurrency = 1
    options: LocalOptions

    def identity(self) -> dict[str, Any]:
        """What determines an answer, the key of the store. Options added after answers were stored stay out
        of it while unset (``repeat_penalty``, ``logprobs``), so those answers keep their keys."""
        model = self.options.model
        weights = CATALOGUE[model].sha256 if model in CATALOGUE else f"{Path(model).name}:{_size(model)}"
        unset = {name for name, off in (("repeat_penalty", None), ("logprobs", False))
                 if getattr(self.options, name) == off}
        return {"provider": self.name, **self.options.model_dump(mode="json", exclude={"n_threads", *unset}),
                "weights": weights}

    def check(self, *, offline: bool) -> None:
        resolve_model(self.options.model)
        try:
            import llama_cpp  # noqa: F401
        except ImportError:
            raise NerdistillError("the local provider needs llama-cpp-python: run `nerdistill models install-runtime` "
                                  "(it compiles llama.cpp for any x86-64 CPU, about 10 minutes on 2 cores)") from None

    def asker(self) -> LiteLLMAsker:
        key = _register(_LoadedModel(resolve_model(self.options.model), self.options.n_ctx,
                                     self.options.n_threads or usable_cores()))
        options = {"model": f"{LOCAL_PROVIDER}/{key}", "temperature": self.options.temperature,
                   "seed": self.options.seed, "max_tokens": self.options.max_tokens}
        if self.options.repeat_penalty is not None:
            options["repeat_penalty"] = self.options.repeat_penalty
        if self.options.logprobs:
            options["logprobs"] = True
        return LiteLLMAsker(options, "json_schema" if self.options.constrained else "md_json")


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return -1


_handler = None
_handler_lock = threading.Lock()


def _register(model: _LoadedModel) -> str:
    """Make ``model`` reachable as ``nerdistill-local/<key>``; returns the key."""
    global _handler
    with _handler_lock:
        if _handler is None:
            litellm = import_litellm()
            _handler = _llama_handler_class()()
            litellm.custom_provider_map = [*litellm.custom_provider_map,
                                           {"provider": LOCAL_PROVIDER, "custom_handler": _handler}]
            from litellm.utils import custom_llm_setup

            custom_llm_setup()
        key = f"{model.path.stem}-{model.n_ctx}-{model.n_threads}"
        _handler.models.setdefault(key, model)
        return key


def _llama_handler_class():
    litellm = import_litellm()

    class LlamaCppHandler(litellm.CustomLLM):
        """Serves ``nerdistill-local/<key>`` calls with llama.cpp, one at a time per model."""

        def __init__(self):
            super().__init__()
            self.models: dict[str, _LoadedModel] = {}
            self.loaded: dict[str, Any] = {}
            self.lock = threading.Lock()

        def llama(self, key: str):
            if key not in self.loaded:
                from llama_cpp import Llama

                model = self.models[key]
                self.loaded[key] = Llama(model_path=str(model.path), n_ctx=model.n_ctx, n_threads=model.n_threads,
                                         verbose=False)
                # close before the interpreter tears down llama.cpp's bindings, or Llama.__del__ fails noisily
                atexit.register(self.loaded[key].close)
            return self.loaded[key]

        def completion(self, *args, **kwargs):
            key = kwargs["model"].split("/", 1)[-1]
            params = dict(kwargs.get("optional_params") or {})
            response_format = params.pop("response_format", None)
            if response_format and response_format.get("type") == "json_schema":
                response_format = {"type": "json_object", "schema": response_format["json_schema"]["schema"]}
            allowed = {k: params[k] for k in ("temperature", "max_tokens", "seed", "top_p", "stop", "repeat_penalty")
                       if k in params}
            recorder = TokenLogprobRecorder() if params.get("logprobs") else None
            with self.lock:
                llama = self.llama(key)
                result = llama.create_chat_completion(
                    messages=kwargs["messages"], response_format=response_format,
                    logits_processor=[recorder] if recorder else None, **allowed)
            if recorder is not None:
                result["choices"][0]["logprobs"] = recorder.as_openai(llama)
            return litellm.ModelResponse(**result)

    return LlamaCppHandler


class TokenLogprobRecorder:
    """A llama.cpp logits processor that records the log probability of each token the model writes.

    It sees the logits of every step before sampling (and before the grammar), and the tokens written so
    far: the probability of the token written at one step is read at the next. Needs neither
    ``logits_all`` (the logits of every prompt token, gigabytes for a large vocabulary) nor llama.cpp's
    own ``logprobs``, which sorts the whole vocabulary at every token."""

    def __init__(self):
        self.tokens: list[tuple[int, float]] = []
        self._last: Any = None

    def __call__(self, input_ids, logits):
        import numpy as np

        if self._last is not None:
            self.tokens.append((int(input_ids[-1]), float(self._last[input_ids[-1]])))
        shifted = logits.astype(np.float64) - logits.max()
        self._last = shifted - np.log(np.exp(shifted).sum())
        return logits

    def as_openai(self, llama) -> dict[str, Any]:
        """The tokens as OpenAI's ``choices[0].logprobs`` (the last one, end of text, is never read). A
        character split over tokens goes with the token that completes it, so the texts add up to the answer."""
        content, written = [], ""
        for end, (_, logprob) in enumerate(self.tokens, start=1):
            text = llama.detokenize([token for token, _ in self.tokens[:end]]).decode("utf-8", errors="ignore")
            content.append({"token": text[len(written):], "logprob": logprob, "bytes": None, "top_logprobs": []})
            written = text
        return {"content": content}

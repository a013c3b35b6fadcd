"""Any model litellm reaches: GPT-4 by default, other hosted APIs, or a server on loopback.

``model`` is a litellm model string (``openai/gpt-4-0125-preview``, ``anthropic/...``,
``openai/<alias>`` with ``api_base`` for an OpenAI-compatible server such as llama.cpp's, vLLM or
Ollama). The API key is read from the environment (litellm's usual variable for the provider, or the
one named by ``api_key_env``) and never stored, logged or printed.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from nerdistill.core.annotation.outcome import CredentialsRejected
from nerdistill.core.errors import NerdistillError
from nerdistill.core.annotation.llm import InstructorMode, LiteLLMAsker, import_litellm
from nerdistill.core.annotation.provider import Provider, ProviderOptions, is_loopback
from nerdistill.providers.litellm_batches import LiteLLMBatches

DEFAULT_MODEL = "openai/gpt-4-0125-preview"

# OpenAI's published price of gpt-4-0125-preview (USD per token), for litellm builds whose offline price
# table lacks it: $10 per million prompt tokens, $30 per million completion tokens.
GPT4_0125_PRICE = {"input_cost_per_token": 10e-6, "output_cost_per_token": 30e-6,
                   "litellm_provider": "openai", "mode": "chat"}


class LiteLLMOptions(ProviderOptions):
    model: str = Field(DEFAULT_MODEL, description="a litellm model string")
    api_base: str | None = Field(None, description="the server's URL, e.g. http://127.0.0.1:8080/v1")
    api_key_env: str | None = Field(None, description="environment variable holding the API key")
    temperature: float = Field(0.0, description="sampling temperature (0: greedy, as the paper)")
    seed: int | None = Field(0, description="sampling seed, where the API takes one")
    max_tokens: int | None = Field(None, description="the most tokens an answer may have (default: the API's)")
    timeout: float = Field(120.0, gt=0, description="seconds before a call counts as timed out")
    mode: InstructorMode = Field("md_json", description="how instructor asks for JSON")
    extra: dict[str, Any] = Field(default_factory=dict, description="more litellm.completion arguments")
    logprobs: bool = Field(False, description="ask for the log probabilities of the answer's tokens, for each "
                           "entity's confidence (OpenAI and servers like it; not in tools mode)")
    batch: bool = Field(False, description="send the requests the store cannot answer as batch jobs (OpenAI's "
                        "batch API through litellm: half the price, answers within 24 hours)")
    batch_poll_seconds: float = Field(60.0, gt=0, description="seconds between looks at a batch job")
    batch_max_requests: int = Field(50_000, gt=0, description="the most requests one batch job holds")

    @field_validator("logprobs")
    @classmethod
    def _logprobs_need_text(cls, logprobs: bool, info: ValidationInfo) -> bool:
        if logprobs and info.data.get("mode") == "tools":
            raise ValueError("a tool call's arguments come with no log probabilities; use mode md_json, json or "
                             "json_schema")
        return logprobs


class LiteLLMProvider(Provider):
    options_model = LiteLLMOptions
    description = "Any litellm model: GPT-4 (default), other APIs, or an OpenAI-compatible server on loopback."
    options: LiteLLMOptions

    def identity(self) -> dict[str, Any]:
        # the timeout, the key's variable and how requests travel (one by one or in batch jobs) do not change an
        # answer; logprobs, added later, is out while off
        unset = set() if self.options.logprobs else {"logprobs"}
        travel = {"timeout", "api_key_env", "batch", "batch_poll_seconds", "batch_max_requests"}
        return {"provider": self.name, **self.options.model_dump(mode="json", exclude={*travel, *unset})}

    def check(self, *, offline: bool) -> None:
        base = self.options.api_base
        if offline and not (base and is_loopback(base)):
            where = base or f"the hosted API of {self.options.model!r}"
            raise NerdistillError(f"offline mode is on (--offline, NERDISTILL_OFFLINE or offline = true) and provider "
                                  f"{self.name!r} would reach {where}: use a local model or a server on loopback, "
                                  "or turn offline mode off")
        if self._api_key() is None and not base:
            missing = self._missing_keys()
            if missing:
                raise NerdistillError(f"no API key for {self.options.model!r}: set {' or '.join(missing)} in the "
                                      "environment (or api_key_env to the variable that holds it)")

    def _api_key(self) -> str | None:
        return os.environ.get(self.options.api_key_env) if self.options.api_key_env else None

    def _key_variable(self) -> str:
        """Where the key comes from: ``api_key_env``, else the variable litellm reads for the model's provider
        (``openai/...`` -> ``OPENAI_API_KEY``)."""
        if self.options.api_key_env:
            return self.options.api_key_env
        prefix = self.options.model.split("/", 1)[0] if "/" in self.options.model else "openai"
        return f"{prefix.upper()}_API_KEY"

    def annotate(self, sentence, strategy, request):
        try:
            return super().annotate(sentence, strategy, request)
        except CredentialsRejected as error:
            set_or_not = "set" if os.environ.get(self._key_variable()) else "not set"
            elsewhere = "" if self.options.api_key_env else " (or set api_key_env to the variable that holds it)"
            raise CredentialsRejected(f"{error.reason}; the key comes from {self._key_variable()}, {set_or_not} "
                                      f"here{elsewhere}") from None

    def _missing_keys(self) -> list[str]:
        if self.options.api_key_env:
            return [self.options.api_key_env]
        litellm = import_litellm()
        return list(litellm.validate_environment(model=self.options.model).get("missing_keys") or [])

    def asker(self) -> LiteLLMAsker:
        return LiteLLMAsker(self._completion_options(), self.options.mode)

    def batch_client(self) -> LiteLLMBatches | None:
        if not self.options.batch:
            return None
        return LiteLLMBatches(self._completion_options(), self.options.mode,
                              poll_seconds=self.options.batch_poll_seconds,
                              max_requests=self.options.batch_max_requests, price=self.batch_price)

    def _completion_options(self) -> dict[str, Any]:
        """litellm.completion's arguments for every call: the model, the sampling options, the API's address
        and key."""
        _register_gpt4_price()
        # num_retries=0: the OpenAI client would otherwise retry failed calls itself, out of sight of the
        # runner's backoff and accounting (litellm forwards it as the client's max_retries).
        options: dict[str, Any] = {"model": self.options.model, "temperature": self.options.temperature,
                                   "timeout": self.options.timeout, "num_retries": 0, **self.options.extra}
        for key in ("seed", "max_tokens", "api_base", "logprobs"):
            if getattr(self.options, key) not in (None, False):
                options[key] = getattr(self.options, key)
        key = self._api_key()
        if key is None and self.options.api_base:
            # a server on api_base (vLLM, llama.cpp's) may want the key as much as a hosted API: send the
            # environment's; without one, any string, since the OpenAI client insists on a key
            key = os.environ.get(self._key_variable()) or "no-key-needed"
        if key is not None:
            options["api_key"] = key
        return options

    def price(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        if self.options.api_base and is_loopback(self.options.api_base):
            return 0.0
        litellm = import_litellm()
        _register_gpt4_price()
        try:
            prompt_cost, completion_cost = litellm.cost_per_token(
                model=self.options.model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        except Exception:  # litellm raises for models it has no price for
            return None
        return prompt_cost + completion_cost

    def batch_price(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """The price in a batch job: the model's batch rates where litellm's table has them, else half the
        direct price (OpenAI's and Anthropic's batch discount, as litellm reckons it)."""
        direct = self.price(prompt_tokens, completion_tokens)
        if direct in (None, 0.0):  # no price known, or a server on loopback
            return direct
        from litellm.cost_calculator import batch_cost_calculator

        usage = import_litellm().Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                                       total_tokens=prompt_tokens + completion_tokens)
        return sum(batch_cost_calculator(usage, self.options.model))


def _register_gpt4_price() -> None:
    """GPT-4's price in litellm's table, for the builds whose offline table lacks it."""
    litellm = import_litellm()
    if "gpt-4-0125-preview" not in litellm.model_cost:
        litellm.register_model({"gpt-4-0125-preview": GPT4_0125_PRICE})

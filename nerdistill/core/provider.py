"""What an annotation provider is: something that turns a sentence and a strategy into an outcome.

Most providers are LLMs reached through litellm and instructor (:meth:`Provider.asker`); others bring
annotations made elsewhere (a file) or simulate a teacher. A provider's options are a Pydantic model,
so a config's ``[annotation.provider]`` table is validated key by key. ``identity`` is everything
about the provider that can change an answer, without secrets: it is part of every cache key.
"""

from __future__ import annotations

import ipaddress
from typing import Any, ClassVar
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict

from nerdistill.core.annotation import Asker, Outcome, Request, annotate_sentence
from nerdistill.core.config import Configured
from nerdistill.core.sentence import Sentence


class ProviderOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provider(Configured):
    """Base of providers; subclasses set ``options_model`` and implement :meth:`asker` or :meth:`annotate`."""

    options_model: ClassVar[type[ProviderOptions]] = ProviderOptions
    kind = "provider"
    description: ClassVar[str] = ""
    calls_llm: ClassVar[bool] = True
    #: the most calls it can serve at once (an in-process model serves one)
    max_concurrency: ClassVar[int | None] = None

    @property
    def model(self) -> str:
        return str(getattr(self.options, "model", self.name))

    def identity(self) -> dict[str, Any]:
        return {"provider": self.name, **self.options.model_dump(mode="json")}

    def check(self, *, offline: bool) -> None:
        """Fail before the first call if the provider cannot run (missing key, missing model, not offline-safe);
        a job the store answers whole never calls it, so cached answers need no key or model."""

    def asker(self) -> Asker:
        raise NotImplementedError(f"provider {self.name!r} does not call an LLM")

    def annotate(self, sentence: Sentence, strategy: Any, request: Request) -> Outcome:
        return annotate_sentence(sentence, strategy, self.asker(), request)

    def price(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """The cost of a call of this size, or None where the price is unknown."""
        return 0.0


def is_loopback(url: str) -> bool:
    """True for an address on this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

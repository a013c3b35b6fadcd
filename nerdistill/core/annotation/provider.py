"""What an annotation provider is: something that turns a sentence and a strategy into an outcome.

Most providers are LLMs reached through litellm and instructor (:meth:`Provider.asker`); others bring
annotations made elsewhere (a file) or simulate a teacher. A provider's options are a Pydantic model,
so a config's ``[annotation.provider]`` table is validated key by key. ``identity`` is everything
about the provider that can change an answer, without secrets: it is part of every cache key.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict

from nerdistill.core.annotation.outcome import Asker, Outcome, Request, annotate_sentence
from nerdistill.core.config.loading import Configured
from nerdistill.core.data.sentence import Sentence

if TYPE_CHECKING:
    from nerdistill.core.annotation.batch import BatchClient


class ProviderOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provider(Configured):
    """Base of providers; subclasses set ``options_model`` and implement :meth:`asker` or :meth:`annotate`.

    A provider is built as ``Provider(name, options)``: ``options`` (a dict from a config table or ``-O``) is
    validated by ``options_model`` (a :class:`ProviderOptions` subclass), and an unknown key or a wrong type
    is a one-line error naming the key. Options typed ``Path`` are inputs: resolved against the config
    file's folder and checked to exist before anything else runs. The order of calls is fixed:
    :meth:`identity` first (it keys the store, so it must not read files that may be missing or call out),
    then :meth:`check` only if some answer is not in the store, then :meth:`annotate` per sentence, from
    several threads at once unless ``max_concurrency`` says otherwise. A problem the user can fix is a
    :class:`~nerdistill.core.errors.NerdistillError` (one line, no traceback); any other exception is a bug.
    """

    options_model: ClassVar[type[ProviderOptions]] = ProviderOptions
    kind = "provider"
    description: ClassVar[str] = ""
    calls_llm: ClassVar[bool] = True
    #: the most calls it can serve at once (an in-process model serves one)
    max_concurrency: ClassVar[int | None] = None

    @property
    def model(self) -> str:
        """The model's name, as summaries, the store's statistics and the dry run show it."""
        return str(getattr(self.options, "model", self.name))

    def identity(self) -> dict[str, Any]:
        """Everything about this provider that can change an answer, as JSON-able values, never a secret: part
        of every answer's key in the store, so changing any of it asks again. Called first, before
        :meth:`check`; by default the name and every option."""
        return {"provider": self.name, **self.options.model_dump(mode="json")}

    def check(self, *, offline: bool) -> None:
        """Raise a :class:`NerdistillError` saying what to do if the provider cannot run here (a missing key or
        model, an address ``offline`` mode forbids). Called once, just before the first call that the store
        cannot answer, so cached answers need no key, model or network. By default, nothing to check."""

    def asker(self) -> Asker:
        """For a provider that calls an LLM: the client that sends one structured request, usually a
        :class:`~nerdistill.core.annotation.llm.LiteLLMAsker` with the completion options; instructor, validation,
        re-asks, alignment, retries and caching then come from the default :meth:`annotate`."""
        raise NotImplementedError(f"provider {self.name!r} does not call an LLM")

    def annotate(self, sentence: Sentence, strategy: Any, request: Request) -> Outcome:
        """One sentence's :class:`~nerdistill.core.annotation.outcome.Outcome`, from any thread. ``strategy`` is the
        prompt strategy: ``strategy.label_set`` is the run's label set (the entity types to give),
        ``request`` what it sends (messages, answer model, validation context). A provider that brings spans
        itself (a file, a simulation) returns ``Outcome(status="ok", spans=..., provider_spans=True)``; spans
        of a type outside the label set are dropped and counted as ``unknown_types`` after it returns. An
        answer that cannot be used is ``Outcome(status="failed", error=...)``, recorded and counted; a
        :class:`~nerdistill.core.annotation.outcome.TransportError` (rate limit, timeout) is retried with backoff."""
        return annotate_sentence(sentence, strategy, self.asker(), request)

    def price(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """The cost in dollars of a call of this size, or None where the price is unknown (for the dry run's
        estimate and the summaries); by default free, as a local model is."""
        return 0.0

    def batch_client(self) -> BatchClient | None:
        """Where the provider is set to send its requests as batch jobs: the client of its batch API
        (:mod:`nerdistill.core.annotation.batch`); by default None, each request a call of its own."""
        return None

    def batch_price(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """The cost in dollars of a request of this size in a batch job, or None where the provider has no
        batch API (the dry run shows it beside :meth:`price`)."""
        return None


def is_loopback(url: str) -> bool:
    """True for an address on this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

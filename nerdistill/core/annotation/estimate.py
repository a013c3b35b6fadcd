"""``--dry-run``: what an annotation job would cost, before anything is spent.

Calls are the sentences not already in the store; prompt tokens are counted on the exact messages
(litellm's tokenizer for the model, an approximation for local models); completion tokens are an
estimate per call, which depends on the strategy (chain of thought writes much more). Where the store
already holds answers of the same provider, model and strategy, the estimate uses what they measured:
their mean completion tokens, and their median seconds an answer for the time the calls will take (on a
CPU, time is the cost that matters).
"""

from __future__ import annotations

from typing import Any

from nerdistill.core.annotation.llm import import_litellm
from nerdistill.core.annotation.runner import AnnotationJob
from nerdistill.core.data.sentence import Sentence

#: completion tokens per call of a strategy that gives no estimate of its own
DEFAULT_COMPLETION_TOKENS = 100


def estimate(job: AnnotationJob, sentences: list[Sentence], completion_tokens: int | None = None) -> dict[str, Any]:
    planned = job.requests(sentences)
    cached = job.store.get_many([key for _, _, key in planned])
    uncached = [request for _, request, key in planned if key not in cached]
    calls = len(uncached) if job.provider.calls_llm else 0
    measured = _measured(job) if calls else None
    if completion_tokens is not None:
        per_call, basis = completion_tokens, "given"
    elif measured is not None and measured["completion_tokens"]:
        per_call, basis = round(measured["completion_tokens"] / measured["answers"]), _basis(measured)
    else:
        per_call = getattr(job.strategy, "completion_tokens_estimate", DEFAULT_COMPLETION_TOKENS)
        basis = "the strategy's typical figure"
    prompt_tokens = completion = 0
    if calls:
        litellm = import_litellm()
        prompt_tokens = sum(litellm.token_counter(model=job.provider.model, messages=r.messages) for r in uncached)
        completion = per_call * calls
    price = job.provider.price(prompt_tokens, completion) if job.provider.calls_llm else 0.0
    figures = {"sentences": len(sentences), "cached": len(sentences) - len(uncached), "calls": calls,
               "prompt_tokens": prompt_tokens, "completion_tokens_estimate": completion, "cost_estimate": price}
    batch_price = job.provider.batch_price(prompt_tokens, completion) if job.provider.calls_llm else None
    if batch_price is not None:  # where the provider has a batch API, what the same requests cost in batch jobs
        figures["cost_estimate_batch"] = batch_price
        figures["sent_as"] = "batch jobs" if job.provider.batch_client() is not None else "direct calls"
    if calls:
        median = measured["median_seconds"] if measured else None
        figures.update(completion_tokens_from=basis,
                       hours_estimate=round(calls * median / 3600, 2) if median else "no answers measured yet")
        if median:
            figures["hours_from"] = f"{median:.1f} s an answer, the median of {_basis(measured)}"
    figures["note"] = "re-asks of invalid answers come on top" if uncached else "everything is cached"
    if job.rescue is not None:
        figures["rescue_calls"] = _rescue_calls(job, planned, cached)
        figures["rescue_note"] = "for the invalid answers already stored; those still to come add more"
    return figures


def _rescue_calls(job: AnnotationJob, planned: list, cached: dict) -> int:
    """The rescue's calls for the answers the store holds as invalid, less the rescues it holds too."""
    failed = [sentence for sentence, _, key in planned if key in cached and cached[key].status == "failed"]
    keys = [key for _, _, key in job.rescuer().requests(failed)]
    return len(set(keys) - set(job.store.get_many(keys)))


def _measured(job: AnnotationJob) -> dict[str, Any] | None:
    """The store's account of the answers this provider, model and strategy already gave (``statistics``)."""
    wanted = (job.provider.name, job.provider.model, job.strategy.name)
    return next((row for row in job.store.statistics() if (row["provider"], row["model"], row["strategy"]) == wanted),
                None)


def _basis(measured: dict[str, Any]) -> str:
    return f"the {measured['answers']} answers of this model and strategy in the store"

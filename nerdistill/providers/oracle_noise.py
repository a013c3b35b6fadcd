"""``oracle-noise``: a SIMULATED teacher that corrupts gold annotations to a chosen quality.

Not an LLM. It answers a gold-labelled sentence with its gold entities degraded to a target recall and
precision per type, so that mixing schedules can be compared under a teacher of known quality, for
example GPT-4's published table-1 figures (the defaults, from the paper's chain-of-thought column),
where no GPT-4 can be called. Everything it produces is marked as simulated (its provider name and the
``simulated`` flag in each annotation).

Per type T: each gold entity is kept with probability recall(T) (a miss otherwise), and false positives
of type T are added at the rate that gives precision(T) in expectation: kept(T) x (1 - P) / P per
sentence. A false positive is either another gold entity relabelled T (a type confusion, as LLMs make)
or a run of one or two tokens outside every entity, capitalised where there is one (an
over-identification). Draws are
seeded by the sentence, so answers are reproducible; what is reached is measured, not assumed:
score it with ``nerdistill evaluate annotations``.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from pydantic import Field

from nerdistill.core.annotation.outcome import Outcome, Request
from nerdistill.core.reporting.paper import TABLE1
from nerdistill.core.annotation.provider import Provider, ProviderOptions
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import Span

# GPT-4 chain of thought on CoNLL-2003 (arXiv 2402.09282, table 1)
GPT4_COT_PRECISION = {t: scores[0] for t, scores in TABLE1["cot"].items() if t != "micro"}
GPT4_COT_RECALL = {t: scores[1] for t, scores in TABLE1["cot"].items() if t != "micro"}


class OracleNoiseOptions(ProviderOptions):
    precision: dict[str, float] = Field(default_factory=lambda: dict(GPT4_COT_PRECISION),
                                        description="the share of the simulated teacher's entities that are right")
    recall: dict[str, float] = Field(default_factory=lambda: dict(GPT4_COT_RECALL),
                                     description="the share of the gold entities the simulated teacher finds")
    seed: int = Field(0, description="seed of the simulated errors")
    confusion_share: float = Field(0.5, ge=0, le=1, description="share of false positives that are type confusions")


class OracleNoiseProvider(Provider):
    options_model = OracleNoiseOptions
    description = "SIMULATION: gold annotations corrupted to a given precision and recall per type (not an LLM)."
    calls_llm = False
    options: OracleNoiseOptions

    @property
    def model(self) -> str:
        return "simulated"

    def annotate(self, sentence: Sentence, strategy: Any, request: Request) -> Outcome:
        if not sentence.is_labelled:
            return Outcome(status="failed", error="oracle-noise needs gold tags to corrupt; this sentence has none")
        o = self.options
        rng = random.Random(hashlib.sha256(f"{o.seed}:{sentence.text}".encode()).hexdigest())
        gold = sentence.spans
        kept = [s for s in gold if rng.random() < o.recall.get(s.label, 1.0)]
        spans = list(kept)
        for label in sorted({s.label for s in gold} | set(o.precision)):
            precision = o.precision.get(label, 1.0)
            expected = sum(s.label == label for s in kept) * (1 - precision) / max(precision, 1e-6)
            count = int(expected) + (rng.random() < expected - int(expected))
            for _ in range(count):
                spans = self._false_positive(sentence, gold, spans, label, rng) or spans
        answer: dict[str, list[str]] = {}
        for span in sorted(spans, key=lambda s: s.start):
            answer.setdefault(span.label, []).append(span.text)
        return Outcome(status="ok", spans=sorted(spans, key=lambda s: s.start), answer=answer, provider_spans=True,
                       counts={"aligned": len(spans), "not_in_sentence": 0, "overlapping": 0, "unknown_types": 0,
                               "simulated": 1})

    def _false_positive(self, sentence: Sentence, gold: list[Span], spans: list[Span], label: str,
                        rng: random.Random) -> list[Span] | None:
        free = lambda s: not any(s.overlaps(t) for t in spans)  # noqa: E731
        confusions = [g for g in gold if g.label != label and free(g)]
        if confusions and rng.random() < self.options.confusion_share:
            chosen = rng.choice(confusions)
            return [*spans, chosen.model_copy(update={"label": label})]
        tokens = sentence.tokens
        candidates = []
        for start in range(len(tokens)):
            for length in (1, 2):
                span = Span(start=start, end=min(start + length, len(tokens)), label=label,
                            text=" ".join(tokens[start:start + length]))
                if free(span) and not any(span.overlaps(g) for g in gold) and tokens[start][:1].isalnum():
                    candidates.append(span)
        capitalised = [c for c in candidates if tokens[c.start][:1].isupper()]
        pool = capitalised or candidates  # plausible names first, any word where the sentence has none
        return [*spans, rng.choice(pool)] if pool else None

"""What one F1 point over gold alone costs, with each teacher of the gold-budget curves (issue 23, part 3)

The gains are the committed curves' (reproduction/results/<run>/report.json: distilled-then-gold against
gold alone at each gold size, paired by seed). The costs are those of the labels the students learnt from,
read from the committed annotation store with no LLM call: for the local teacher, the machine time its
answers took (the store's wall seconds per answer) times this machine's 2 cores; for the simulated GPT-4
teacher, what GPT-4 (gpt-4-0125-preview, $10/$30 a million tokens) would charge for the same requests, as
``--dry-run`` estimates it (prompt tokens counted on the exact messages, completion tokens the local
teacher's measured mean), sent one by one and in batch jobs. Writes reproduction/results/cost-per-point.json.

    python reproduction/cost_per_point.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from nerdistill import load_run_config  # noqa: E402
from nerdistill.core.annotation.estimate import estimate  # noqa: E402
from nerdistill.core.annotation.runner import AnnotationJob  # noqa: E402
from nerdistill.core.config.run import TEACHER_ON_TEST  # noqa: E402
from nerdistill.core.engine import Engine  # noqa: E402
from nerdistill.core.reporting.cost import cost_per_point, spent  # noqa: E402
from nerdistill.providers.litellm_api import LiteLLMProvider  # noqa: E402

RESULTS = HERE / "results"
LOCAL_RUNS = {"gold-curve-local": "gold_curve_local", "teacher-demos-all": "teacher_demos_all"}
SIMULATED_GPT4 = ("gold-curve-oracle", "gold_curve_local")  # the oracle curve's 1000 sentences are the local one's
GROUP = "distilled-then-gold"


def gains(run: str) -> tuple[str, list[dict]]:
    curve = json.loads((RESULTS / run / "report.json").read_text())["gold_curve"]
    return curve["reference"], [{"name": p["name"], "at_size": p["at_size"], "difference": p["difference"],
                                 "higher": p["higher"], "seeds": len(p["seeds"])}
                                for p in curve["paired"] if p["name"] == GROUP]


def learnt_sources(config_name: str) -> tuple[Engine, list[tuple]]:
    engine = Engine(load_run_config(HERE / f"{config_name}.toml"), progress=False)
    engine.stage_data()
    return engine, [(source, job) for source, job in engine.jobs() if source.name != TEACHER_ON_TEST]


def local_costs(run: str, config_name: str) -> dict:
    """The local teacher's labels: CPU hours measured, and its mean completion tokens an answer."""
    engine, jobs = learnt_sources(config_name)
    annotation, tokens = {}, []
    for source, job in jobs:
        sentences = engine.inputs()[source.name]
        results, summary = job.run(sentences)
        assert summary.called == 0, f"{source.name}: {summary.called} answers missing from the committed store"
        keys = {key for _, _, key in job.requests(sentences)}
        annotation[source.name] = {"summary": {"spent": spent(results, job.store.seconds_per_answer(keys))}}
        tokens += [outcome.usage.completion_tokens for _, outcome in results]
    baseline, found = gains(run)
    rows = cost_per_point(found, annotation, {GROUP: list(annotation)})
    return {"teacher": "local Qwen2.5-Coder-1.5B (measured)", "baseline": baseline, "rows": rows,
            "completion_tokens_per_answer": round(sum(tokens) / len(tokens))}


def gpt4_costs(run: str, config_name: str, completion_tokens: int) -> dict:
    """The same requests priced for GPT-4, direct and in batch jobs (``estimate``: nothing is sent)."""
    engine, jobs = learnt_sources(config_name)
    provider = LiteLLMProvider("litellm", {})
    annotation, batch = {}, {}
    for source, job in jobs:
        sentences = engine.inputs()[source.name]
        priced = estimate(AnnotationJob(provider, job.strategy, job.store), sentences,
                          completion_tokens=completion_tokens)
        annotation[source.name] = {"summary": {"spent": {"answers": len(sentences), "cost": priced["cost_estimate"],
                                                         "seconds": None, "cores": None}}}
        batch[source.name] = {"summary": {"spent": {"answers": len(sentences), "cost": priced["cost_estimate_batch"],
                                                    "seconds": None, "cores": None}}}
    baseline, found = gains(run)
    direct_rows = cost_per_point(found, annotation, {GROUP: list(annotation)})
    batch_rows = cost_per_point(found, batch, {GROUP: list(batch)})
    for row, in_batch in zip(direct_rows, batch_rows):
        row.update(batch_dollars=in_batch["dollars"], batch_dollars_per_point=in_batch["dollars_per_point"])
    return {"teacher": f"simulated GPT-4, priced as gpt-4-0125-preview ({completion_tokens} completion tokens an "
                       "answer, estimated)", "baseline": baseline, "rows": direct_rows}


def main() -> None:
    results = {run: local_costs(run, config) for run, config in LOCAL_RUNS.items()}
    tokens = results["gold-curve-local"]["completion_tokens_per_answer"]
    results[SIMULATED_GPT4[0]] = gpt4_costs(*SIMULATED_GPT4, tokens)
    (RESULTS / "cost-per-point.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {(RESULTS / 'cost-per-point.json').relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()

"""Which 100 sentences should a reviewer correct? (issue 24, part 3)

The local teacher's labels of the gold-budget curve's 1000 CoNLL-2003 sentences (runs/gold-curve-local) are
the pool. For each seed, ``nerdistill select`` picks 100 of them by each way (``random`` with that seed;
``disagreement`` and ``uncertainty`` against the curve's pure-distilled student of that seed, trained on
these labels), a reviewer corrects them (their gold tags stand in for one), and a D student (simple mix of
the corrected pool and one of the curve's nested gold samples, 100 sentences by default: the setting where
the teacher's labels still add most, while at 1000 gold they add half a point; the curve's recipe and
validation) is trained on the result, beside one on the uncorrected pool. Each model is one ``nerdistill
train`` config under runs/review-selection/gold-<N>/<way>/seed-<s>/, two trained at a time, one a core; a
finished one is not trained again. Writes the gold size's entry of reproduction/results/review-selection.json:
F1 per way and seed, what the reviewer changed, and each way's difference from random paired by seed.

    python reproduction/review_selection.py [--gold 100] [--seeds 0 1 2] [--ways random disagreement uncertainty]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from nerdistill import load_run_config  # noqa: E402
from nerdistill.core.data.formats import read_sentences, write_sentences  # noqa: E402
from nerdistill.core.engine import Engine  # noqa: E402

CURVE = HERE / "gold_curve_local.toml"
OUT = ROOT / "runs" / "review-selection"
RESULTS = HERE / "results" / "review-selection.json"
REVIEWED = 100


def corrected(pool_file: Path, chosen_file: Path, gold_by_id: dict, output: Path) -> dict[str, int]:
    """The pool with the chosen sentences' labels replaced by gold (the reviewer's corrections); how many of the
    chosen sentences, and of their tags, the reviewer changed."""
    chosen = {s.id for s in read_sentences(chosen_file)}
    pool, changed = [], {"sentences": 0, "tags": 0}
    for sentence in read_sentences(pool_file):
        if sentence.id in chosen:
            gold = gold_by_id[sentence.id].tags
            changed["sentences"] += sentence.tags != gold
            changed["tags"] += sum(mine != right for mine, right in zip(sentence.tags, gold))
            sentence = sentence.model_copy(update={"tags": gold, "meta": {}})
        pool.append(sentence)
    write_sentences(pool, output)
    return changed


def train_config(folder: Path, distilled: Path, shared: dict[str, Path], seed: int, training: dict) -> Path:
    options = "\n".join(f"{key} = {json.dumps(value)}" for key, value in training.items())
    config = folder / "train.toml"
    config.write_text(f"""output = "model"
seed = {seed}
schedule = "simple_mix"

[data]
distilled = ["{distilled}"]
original = ["{shared['original']}"]
test = "{shared['test']}"
validation = "{shared['validation']}"

[training]
{options}
""")
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--ways", nargs="+", default=["random", "disagreement", "uncertainty"])
    parser.add_argument("--gold", type=int, default=100, help="the curve's gold sample D mixes in (default 100)")
    args = parser.parse_args()
    config = load_run_config(CURVE)
    curve, engine = config.output, Engine(config, progress=False)
    pool_file = curve / "distilled" / "conll.jsonl"
    gold_by_id = {s.id: s for s in read_sentences(curve / "data" / "distill-conll.jsonl")}
    OUT.mkdir(parents=True, exist_ok=True)
    shared = {"original": curve / "data" / f"original@{args.gold}.jsonl", "test": config.data.test,
              "validation": write_sentences(engine.validation(), OUT / "validation.jsonl")}
    training = {"trainer": config.training.trainer, "min_sentence_passes": config.training.min_sentence_passes,
                **config.training.trainer_options}
    jobs, changed = [], {}
    for seed in args.seeds:
        student = curve / "models" / "distilled" / "no-decay" / f"seed-{seed}" / "model"
        for way in ["uncorrected", *args.ways]:
            folder = OUT / f"gold-{args.gold}" / way / f"seed-{seed}"
            folder.mkdir(parents=True, exist_ok=True)
            distilled = pool_file
            if way != "uncorrected":  # the selection is the same whatever gold D mixes in
                chosen = OUT / way / f"seed-{seed}" / "selected.jsonl"
                if not chosen.exists():
                    chosen.parent.mkdir(parents=True, exist_ok=True)
                    extra = ["--seed", str(seed)] if way == "random" else ["--model", str(student)]
                    subprocess.run(["nerdistill", "select", str(pool_file), "-n", str(REVIEWED), "--by", way, *extra,
                                    "-o", str(chosen)], check=True)
                distilled = folder / "corrected.jsonl"
                changed[(way, seed)] = corrected(pool_file, chosen, gold_by_id, distilled)
            jobs.append((way, seed, train_config(folder, distilled, shared, seed, training)))
    train_all([job for job in jobs if not scored(job[2])])
    write_results(args.gold, jobs, changed)


def train_all(jobs: list) -> None:
    """``nerdistill train`` on every job, one process a core (``taskset``), as the run engine's processes do."""
    cores, running = sorted(os.sched_getaffinity(0)), []
    pending = list(jobs)
    while pending or running:
        while pending and len(running) < len(cores):
            way, seed, config = pending.pop(0)
            core = next(c for c in cores if c not in {r[0] for r in running})
            log = (config.parent / "train.log").open("w")
            process = subprocess.Popen(["taskset", "-c", str(core), "nerdistill", "train", str(config)],
                                       cwd=config.parent, stdout=log, stderr=subprocess.STDOUT,
                                       env={**os.environ, "OMP_NUM_THREADS": "1"})
            running.append((core, process, f"{way} seed {seed}"))
        core, process, name = running.pop(0)
        if process.wait() != 0:
            raise SystemExit(f"{name}: nerdistill train failed; see its train.log")
        print(f"trained {name}", flush=True)


def scored(config: Path) -> Path | None:
    """The test report ``nerdistill train`` writes when it has trained and scored the job's model."""
    report = config.parent / "model" / "report.json"
    return report if report.exists() else None


def write_results(gold: int, jobs: list, changed: dict) -> None:
    """This gold size's entry of the results file (other sizes' entries are kept)."""
    rows = {}
    for way, seed, config in jobs:
        report = scored(config)
        if report is not None:
            rows.setdefault(way, {})[seed] = json.loads(report.read_text())["scores"]["word"]["micro"]["f1"]
    entry = {"reviewed": REVIEWED, "gold_sentences": gold, "ways": {}}
    for way, per_seed in rows.items():
        record = {"f1": per_seed, "f1_mean": statistics.fmean(per_seed.values()),
                  "f1_sd": statistics.stdev(per_seed.values()) if len(per_seed) > 1 else 0.0,
                  "changed": {s: changed.get((way, s)) for s in per_seed}}
        if way != "random" and "random" in rows:
            paired = {s: f1 - rows["random"][s] for s, f1 in per_seed.items() if s in rows["random"]}
            record["against_random"] = {"per_seed": paired, "mean": statistics.fmean(paired.values()),
                                        "higher": sum(d > 0 for d in paired.values()), "seeds": len(paired)}
        entry["ways"][way] = record
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[f"gold-{gold}"] = entry
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"wrote gold-{gold} in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""Reports beside the paper: the published figures sit next to the run's where the paper has them."""

from nerdistill.core.reporting.paper import TABLE1, published_f1
from nerdistill.core.reporting.report import aggregate, markdown


def row(group, schedule, seed, f1, decay=None):
    return {"group": group, "schedule": schedule, "distilled": None, "decay": decay, "seed": seed, "f1": f1,
            "subword_f1": f1 + 0.01, "types": {"PER": f1}, "train_seconds": 1.0, "weights": [[1, 0], [0, 1]],
            "devices": ["cpu (2 threads)"] if group != "mine" else []}


def quality(strategy):
    scores = {"precision": 0.5, "recall": 0.25, "f1": 1 / 3}
    return {"micro": scores, "macro": scores, "weighted": scores, "types": {"PER": scores}, "strategy": strategy}


def collected():
    rows = [row("E", "simple_mix", 0, 0.8), row("E", "simple_mix", 1, 0.9), row("sigmoid:k=8", "sigmoid:k=8", 0, 0.7),
            row("mine", "cosine", 0, 0.6, decay=0.5)]
    summary = {"provider": "local", "model": "m", "strategy": "cot", "version": "v", "sentences": 1, "called": 1,
               "cached": 0, "failed": 0, "written": 1, "prompt_tokens": 1, "completion_tokens": 1, "cost": 0.0,
               "seconds": 1.0}
    return {"models": rows, "aggregates": aggregate(rows), "stage_seconds": {},
            "annotation": {"conll": {"summary": summary, "quality": quality("cot")},
                           "custom": {"summary": summary, "quality": quality("my-strategy")}}}


def test_the_paper_columns_appear_only_when_asked_for():
    plain, beside = markdown(collected(), "run"), markdown(collected(), "run", paper=True)
    assert "paper F1" not in plain and "paper: GPT-4" not in plain
    lines = beside.splitlines()
    assert "| paper: GPT-4 cot | 0.67 / 0.82 / 0.73 | 0.72 | 0.77 | 0.81 / 0.88 / 0.84 |" in beside
    assert sum("paper: GPT-4" in line for line in lines) == 1  # no published row for a strategy of one's own
    e_row = next(line for line in lines if line.startswith("| E |"))
    assert e_row.endswith("| 0.850 ± 0.071 (n=2) | 0.860 ± 0.071 | 0.869 | - | - | - |")
    assert next(line for line in lines if line.startswith("| sigmoid:k=8 |")).split(" | ")[4] == "0.847"
    mine = next(line for line in lines if line.startswith("| mine |"))
    assert mine.endswith("| 0.600 (n=1) | 0.610 | - |")


def test_each_seed_is_listed_beside_the_mean():
    text = markdown(collected(), "run")
    assert "| E | no | - | - | 0.850 | - | 0: 0.800, 1: 0.900 |" in text


def test_published_f1_by_group_then_schedule_and_decay():
    assert published_f1("D", "simple_mix", None) == 0.859      # phase 2 by group: D, not simple mix's 0.869
    assert published_f1("simple_mix", "simple_mix", 0.95) == 0.869
    assert published_f1("x", "power:n=2", 0.95) == 0.852
    assert published_f1("x", "power:n=2", 0.9) is None and published_f1("x", "step:at=0.5", None) is None
    assert TABLE1["standard"]["MISC"] == (0.13, 0.43, 0.20)


def test_the_report_says_where_the_models_were_trained():
    text = markdown(collected(), "run")
    assert "| cpu (2 threads) | 3 | 1 | 3 |" in text and "| not recorded | 1 | 1 | 1 |" in text


def test_the_report_says_which_models_came_from_another_run_by_its_folder_name():
    assert "copied" not in markdown(collected(), "run")
    report = collected()
    report["models"][0]["taken_from"] = "/home/someone/runs/phase2-oracle/models/E/no-decay/seed-0"
    text = markdown(report, "run")
    assert "(`reuse_models_from`: phase2-oracle): 1 of these 4 models" in text
    assert "/home/someone" not in text  # a published report names no machine's paths


def test_the_terminal_summary_gives_no_spread_for_one_seed():
    from nerdistill.core.reporting.report import terminal_summary

    lines = terminal_summary(collected()).splitlines()
    assert next(line for line in lines if line.startswith("E ")).split()[3:5] == ["0.8500", "0.0707"]
    assert next(line for line in lines if line.startswith("mine ")).split()[3:5] == ["0.6000", "-"]


def test_the_cost_of_one_f1_point_is_what_the_labels_cost_over_the_paired_gain():
    from nerdistill.core.reporting.cost import cost_per_point, markdown_section
    from nerdistill.core.reporting.report import md_table

    annotation = {"gpt4": {"summary": {"spent": {"answers": 1000, "cost": 5.0, "seconds": None, "cores": 2}}},
                  "local": {"summary": {"spent": {"answers": 1000, "cost": 0.0, "seconds": 3600.0, "cores": 2}}},
                  "old": {"summary": {}}}  # a summary written before costs were recorded
    sources = {"hosted": ["gpt4"], "local-then-gold": ["local"], "worse": ["local"], "unknown": ["old"], "gold": []}
    gains = [{"name": "hosted", "at_size": 100, "difference": 0.025, "higher": 3, "seeds": 3},
             {"name": "local-then-gold@100", "at_size": 100, "difference": 0.04, "higher": 3, "seeds": 3},
             {"name": "worse", "at_size": 100, "difference": -0.01, "higher": 0, "seeds": 3},
             {"name": "unknown", "at_size": 100, "difference": 0.02, "higher": 3, "seeds": 3}]
    rows = {r["name"]: r for r in cost_per_point(gains, annotation, sources)}
    assert set(rows) == {"hosted", "local-then-gold@100", "worse"}
    assert (rows["hosted"]["dollars_per_point"], rows["hosted"]["cpu_hours"]) == (2.0, None)
    local = rows["local-then-gold@100"]
    assert (local["cpu_hours"], local["cpu_hours_per_point"], local["dollars_per_point"]) == (2.0, 0.5, 0.0)
    assert rows["worse"]["cpu_hours_per_point"] is None
    text = "\n".join(markdown_section(list(rows.values()), "gold", md_table))
    assert "| hosted | 100 | +2.50 | 3 of 3 | 1000 | 5.00 | 2.000 | - | - |" in text
    assert "| worse | 100 | -1.00 | 0 of 3 | 1000 | 0.00 | no gain | 2.00 | no gain |" in text

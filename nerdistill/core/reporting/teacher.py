"""Students against their teacher, on the same test sentences.

With ``data.teacher_on_test``, the teacher annotates a sample of the test sentences (never trained on) and
every model is scored on that sample too, so the question a distiller must answer, whether the student is
better than the LLM it learnt from, is answered on equal terms: the teacher's micro F1 on those sentences
against each group's, seed by seed (the teacher is one fixed answer set, so the student's margin is taken on
every seed). Each row also states what it cost: the LLM answers its distilled data took and the CPU minutes
of annotation (answers times the median seconds an answer took when asked) and training (the start model's
included).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from nerdistill.core.config.run import TEACHER_ON_TEST


def students_against_teacher(rows: list[dict[str, Any]], annotation: dict[str, Any],
                             sources: dict[str, list[str]], order: list[str]) -> dict[str, Any] | None:
    """``{"teacher", "teacher_f1", "sentences", "rows": [...]}`` from result rows named as in the report
    (``A@250``), in ``order``, and the annotation summaries; ``sources``: the distill sources each group learns
    from. None where the run has no teacher sample."""
    teacher = annotation.get(TEACHER_ON_TEST)
    if teacher is None or not teacher.get("quality"):
        return None
    summary = teacher["summary"]
    teacher_f1 = teacher["quality"]["micro"]["f1"]
    by_group: dict[tuple[str, Any], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if (row.get("teacher_on_test") or {}).get("f1") is not None:
            by_group[(row["group"], row["decay"])].append(row)
    seconds: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        seconds[row["group"]].append(row["train_seconds"])
    train_seconds = {group: statistics.fmean(values) for group, values in seconds.items()}
    result = []
    ranked = sorted(by_group.items(), key=lambda item: (order.index(item[0][0]) if item[0][0] in order
                                                        else len(order), item[0][1] or 0))
    for (group, decay), members in ranked:
        f1 = [m["teacher_on_test"]["f1"] for m in sorted(members, key=lambda m: m["seed"])]
        base = group.partition("@")[0]
        start = members[0].get("start_from")
        minutes = statistics.fmean(m["train_seconds"] for m in members) + train_seconds.get(start, 0.0)
        answers = [annotation[name]["summary"] for name in sources.get(base, []) if name in annotation]
        result.append({
            "name": group, "decay": decay, "teacher": f"{summary['provider']}/{summary['model']}, "
                                                     f"{summary['strategy']}",
            "gold_sentences": members[0].get("original_sentences"),
            "teacher_f1": teacher_f1, "student_f1_mean": statistics.fmean(f1),
            "student_f1_sd": statistics.stdev(f1) if len(f1) > 1 else 0.0, "seeds": len(f1),
            "margin_min": min(f1) - teacher_f1, "higher": sum(value > teacher_f1 for value in f1),
            "llm_calls": sum(a["sentences"] for a in answers),
            "cpu_minutes": round((minutes + sum(a["sentences"] * (a.get("answer_seconds_median") or 0.0)
                                                for a in answers)) / 60, 1)})
    return {"teacher": f"{summary['provider']}/{summary['model']}, {summary['strategy']}",
            "teacher_f1": teacher_f1, "sentences": teacher["quality"].get("sentences"), "rows": result}


def markdown_section(compared: dict[str, Any], table) -> list[str]:
    """The report's section; ``table(headers, rows)`` renders a Markdown table."""
    rows = [(r["name"], f"{r['student_f1_mean']:.3f} ± {r['student_f1_sd']:.3f}",
             f"{r['student_f1_mean'] - r['teacher_f1']:+.3f}", f"{r['margin_min']:+.3f}",
             f"{r['higher']} of {r['seeds']}", r["llm_calls"], f"{r['cpu_minutes']:.0f}")
            for r in compared["rows"] if r["decay"] is None]
    return ["## Students against their teacher", "",
            f"On the {compared['sentences']} test sentences the teacher ({compared['teacher']}) annotated too "
            f"(`data.teacher_on_test`): the teacher's micro F1 is {compared['teacher_f1']:.3f}. Each group's F1 on "
            "the same sentences (mean ± sd over seeds), its margin over the teacher (mean, and on the worst seed), "
            "and what it cost: the LLM answers of its distilled data, and CPU minutes of annotation and training.",
            "", table(["group", "F1 on the teacher's sentences", "margin", "margin, worst seed", "above on seeds",
                       "LLM answers", "CPU minutes"], rows), ""]

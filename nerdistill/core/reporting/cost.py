"""What the distilled labels cost per F1 point they add over gold alone.

A distiller pays for its labels in dollars (a hosted teacher) or in CPU hours (a local one), and is paid in
the student's F1 over a student of the same gold alone. The annotation stage records what each source's
answers cost when they were asked, cached or not (``spent`` in its summary): the dollars of each answer's
usage as stored, and the machine time they took (the store's wall seconds per answer) times the cores of
the machine, which is the CPU time where the annotation had the machine to itself, as one process a core
does. The report sets that against each group's paired gain over a gold-only group of the same seeds and
gold size.
"""

from __future__ import annotations

from typing import Any

from nerdistill.core.cpu import usable_cores


def spent(results: list[tuple[Any, Any]], seconds_per_answer: float | None) -> dict[str, Any]:
    """The cost of a source's answers (``(sentence, outcome)`` pairs from the runner), cached or not."""
    return {"answers": len(results), "cost": round(sum(outcome.usage.cost for _, outcome in results), 6),
            "seconds": round(seconds_per_answer * len(results), 1) if seconds_per_answer else None,
            "cores": usable_cores()}


def cost_per_point(gains: list[dict[str, Any]], annotation: dict[str, Any],
                   sources: dict[str, list[str]]) -> list[dict[str, Any]]:
    """For each gain (``{"name", "at_size", "difference", "higher", "seeds"}``, a group's paired F1 over gold
    alone), what its distilled sources cost and the cost of one F1 point (0.01) of gain: None where there is
    no gain. Groups whose sources have no ``spent`` record (summaries written before it existed) are left out."""
    rows = []
    for gain in gains:
        names = sources.get(gain["name"].partition("@")[0], [])
        spends = [annotation.get(name, {}).get("summary", {}).get("spent") for name in names]
        if not names or any(record is None for record in spends):
            continue
        dollars = sum(record["cost"] for record in spends)
        timed = [record for record in spends if record["seconds"] is not None]
        cpu_hours = sum(r["seconds"] * r["cores"] for r in timed) / 3600 if len(timed) == len(spends) else None
        points = 100 * gain["difference"]
        rows.append({**gain, "sources": names, "answers": sum(record["answers"] for record in spends),
                     "dollars": round(dollars, 4), "cpu_hours": None if cpu_hours is None else round(cpu_hours, 2),
                     "points": round(points, 2),
                     "dollars_per_point": round(dollars / points, 4) if points > 0 else None,
                     "cpu_hours_per_point": round(cpu_hours / points, 3) if points > 0 and cpu_hours is not None
                     else None})
    return rows


def markdown_section(rows: list[dict[str, Any]], baseline: str, table) -> list[str]:
    """The report's section; ``table(headers, rows)`` renders a Markdown table."""
    def per_point(value: float | None, digits: int) -> str:
        return "no gain" if value is None else f"{value:.{digits}f}"

    cells = [(r["name"], "" if r["at_size"] is None else r["at_size"], f"{r['points']:+.2f}",
              f"{r['higher']} of {r['seeds']}", r["answers"], f"{r['dollars']:.2f}",
              per_point(r["dollars_per_point"], 3), "-" if r["cpu_hours"] is None else f"{r['cpu_hours']:.2f}",
              "-" if r["cpu_hours"] is None else per_point(r["cpu_hours_per_point"], 3)) for r in rows]
    return ["## What the labels cost per F1 point", "",
            f"Each group's gain over {baseline} (gold alone) with the same seeds and gold sentences, in F1 points "
            "(0.01), against what its distilled labels cost when they were asked, cached or not: dollars, and CPU "
            "hours (the machine time the answers took, from the store, times the machine's cores).", "",
            table(["group", "gold sentences", "gain (points)", "higher on seeds", "LLM answers", "dollars",
                   "dollars per point", "CPU hours", "CPU hours per point"], cells), ""]

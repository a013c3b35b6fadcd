"""The annotation store's account of itself: answers, failures, tokens and the wall time they took."""

import json
import sqlite3

from nerdistill.core.annotation import Outcome, Usage
from nerdistill.core.store import AnnotationStore


def stored(path, answers):
    """``answers``: (sentence id, strategy, status, completion tokens, seconds since the first answer)."""
    store = AnnotationStore(path)
    for sentence_id, strategy, status, tokens, _ in answers:
        store.put(f"{strategy}-{sentence_id}", sentence_id=sentence_id, provider="local", model="m",
                  strategy=strategy, outcome=Outcome(status=status, usage=Usage(prompt_tokens=100,
                                                                                  completion_tokens=tokens)))
    store.close()
    with sqlite3.connect(path) as connection:  # the times the answers arrived, as if over a day
        connection.executemany("update answers set created = ? where key = ?",
                               [(1000.0 + at, f"{strategy}-{sid}") for sid, strategy, _, _, at in answers])


def test_statistics_per_strategy_leave_out_pauses(tmp_path, run_cli):
    path = tmp_path / "store.sqlite"
    stored(path, [("a", "cot", "ok", 10, 0), ("b", "cot", "ok", 20, 12), ("c", "cot", "failed", 0, 20),
                  ("d", "cot", "ok", 30, 20 + 3600), ("e", "cot", "ok", 40, 20 + 3614),  # resumed an hour later
                  ("a", "standard", "ok", 5, 30), ("b", "standard", "ok", 5, 33)])
    cot, standard = AnnotationStore(path).statistics(pause_seconds=300)
    assert (cot["strategy"], cot["answers"], cot["ok"], cot["failed"]) == ("cot", 5, 4, 1)
    assert (cot["prompt_tokens"], cot["completion_tokens"]) == (500, 100)
    assert cot["wall_seconds"] == 12 + 8 + 14 and cot["median_seconds"] == 12  # the hour is a pause
    assert (standard["answers"], standard["wall_seconds"]) == (2, 3)
    assert AnnotationStore(path).statistics(pause_seconds=4000)[0]["wall_seconds"] == 3634
    result = run_cli("store", path)
    assert result.exit_code == 0 and "cot" in result.output and "wall time" in result.output
    assert json.loads(run_cli("store", path, "--json").output)[1]["strategy"] == "standard"

"""The annotation store's account of itself: answers, failures, tokens and the wall time they took."""

import json
import os
import sqlite3
import time

from nerdistill.core.annotation.outcome import Outcome, Usage
from nerdistill.core.annotation.store import AnnotationStore


def stored(path, answers):
    """``answers``: (sentence id, strategy, status, completion tokens, seconds since the first answer)."""
    store = AnnotationStore(path)
    for sentence_id, strategy, status, tokens, _ in answers:
        store.put(f"{strategy}-{sentence_id}", sentence_id=sentence_id, provider="local", model="m",
                  strategy=strategy, outcome=Outcome(status=status, usage=Usage(prompt_tokens=100,
                                                                                  completion_tokens=tokens)))
    store.close()
    connection = sqlite3.connect(path)
    with connection:  # the times the answers arrived, as if over a day
        connection.executemany("update answers set created = ? where key = ?",
                               [(1000.0 + at, f"{strategy}-{sid}") for sid, strategy, _, _, at in answers])
    connection.close()  # now, not whenever it is collected: closing checkpoints the log into the file


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
    (tmp_path / "some.jsonl").write_text("".join(json.dumps({"id": i, "tokens": ["x"]}) + "\n" for i in "de"))
    (cot,) = json.loads(run_cli("store", path, "--sentences", tmp_path / "some.jsonl", "--json").output)
    assert (cot["answers"], cot["completion_tokens"], cot["wall_seconds"]) == (2, 70, 14)
    # each answer's own time: its gap to the answer before it, whatever the prompt (standard's came amid cot's)
    assert AnnotationStore(path).seconds_per_answer({"standard-a", "standard-b"}) == (10 + 3) / 2
    assert AnnotationStore(path).seconds_per_answer({"cot-d"}) is None  # after a pause: not counted


def test_a_request_is_claimed_by_one_live_process_at_a_time(tmp_path):
    """Processes sharing a store ask each request once; a claim whose process is gone is taken over."""
    import socket
    import subprocess
    import sys

    from nerdistill.core.annotation import store as store_module

    store = AnnotationStore(tmp_path / "store.sqlite")

    def claimed_by(owner, since=None):
        with store.connection:
            store.connection.execute("insert or replace into claims values ('k', ?, ?)",
                                     (owner, time.time() if since is None else since))

    host = socket.gethostname()
    claimed_by(f"{host}:{os.getppid()}")  # a live process on this machine
    assert store.claim("k") == "taken"
    claimed_by(f"{host}:{os.getppid()}", since=time.time() - store_module.CLAIM_TIMEOUT_SECONDS - 1)
    assert store.claim("k") == "mine"  # too old: a process number copied with the store from elsewhere
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    claimed_by(f"{host}:{finished.stdout.strip()}")  # a process that has ended
    assert store.claim("k") == "mine" and store.claim("k") == "mine"  # and this one's again
    claimed_by("elsewhere:1")
    assert store.claim("k") == "taken"
    claimed_by("elsewhere:1", since=time.time() - store_module.CLAIM_TIMEOUT_SECONDS - 1)
    assert store.claim("k") == "mine"
    store.put("k", sentence_id="a", provider="local", model="m", strategy="cot", outcome=Outcome(status="failed"))
    assert store.connection.execute("select count(*) from claims").fetchone()[0] == 0
    assert store.claim("k") == "answered"
    assert store.claim("k", retry_failed_before=time.time() + 1) == "mine"  # a failure of an earlier run: ask again
    store.release("k")
    assert store.claim("k", retry_failed_before=time.time() - 60) == "answered"  # re-asked since this run began
    store.release("k")
    assert store.connection.execute("select count(*) from claims").fetchone()[0] == 0


def test_processes_opening_a_new_store_at_once_all_get_it(tmp_path):
    """The same run started twice creates its store twice at the same moment: neither may fail."""
    import subprocess
    import sys

    code = ("import sys, time; from nerdistill.core.annotation.outcome import Outcome; "
            "from nerdistill.core.annotation.store import AnnotationStore; "
            "time.sleep(max(0, float(sys.argv[2]) - time.time())); "  # all open it at the same instant
            "AnnotationStore(sys.argv[1]).put('k', sentence_id='a', provider='p', model='m', strategy='s', "
            "outcome=Outcome(status='ok'))")
    start = str(time.time() + 5)
    processes = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "store.sqlite"), start],
                                  stderr=subprocess.PIPE, text=True) for _ in range(12)]
    errors = [p.communicate(timeout=120)[1] for p in processes]
    assert [p.returncode for p in processes] == [0] * 12, errors


def test_reading_a_store_never_writes_to_it(tmp_path, run_cli):
    """``nerdistill store`` on an empty file (or any file that is not a store) says so, and leaves it as it
    was: it once turned an empty file into a 20 KB database."""
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    result = run_cli("store", empty)
    assert result.exit_code == 1 and f"{empty}: not a usable annotation store" in result.output
    assert empty.read_bytes() == b"" and sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite"]
    path = tmp_path / "store.sqlite"
    stored(path, [("a", "cot", "ok", 10, 0)])
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    assert run_cli("store", path, "--json").exit_code == 0
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    # a reader of a database in WAL mode may leave SQLite's empty log and shared index beside it; nothing in them
    assert all(p.stat().st_size == 0 for p in tmp_path.glob("store.sqlite-wal"))

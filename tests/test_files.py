"""Atomic writes (all or nothing, with an ordinary file's permissions) and broken JSON named with its line."""

import os
import stat

import pytest

from nerdistill.core.data.files import UMASK, atomic_write


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_write(target) as stream:
        stream.write("half of the new")
        raise RuntimeError("killed half-way")
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.jsonl"]


def test_a_written_file_has_an_ordinary_files_permissions(tmp_path):
    with atomic_write(tmp_path / "out.jsonl") as stream:
        stream.write("{}\n")
    assert stat.S_IMODE((tmp_path / "out.jsonl").stat().st_mode) == 0o666 & ~UMASK != 0o600


def test_a_broken_json_document_is_named_with_its_line(tmp_path, run_cli):
    """A result cut short (a full disk, a hand edit) stops a report with the file and line, not a traceback."""
    result_file = tmp_path / "run" / "models" / "A" / "no-decay" / "seed-0" / "result.json"
    result_file.parent.mkdir(parents=True)
    result_file.write_text('{\n  "group": "A",\n  "f1": 0.8')
    result = run_cli("report", tmp_path / "run")
    assert result.exit_code == 1
    assert f"{result_file}:3: not valid JSON" in result.output

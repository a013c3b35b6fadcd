"""Progress off a terminal: a log line at a steady interval, with the rate and the time left."""

import logging

from nerdistill.core.progress import ProgressLog, progress_bar


def test_off_a_terminal_progress_is_a_log_line_at_each_interval(caplog):
    now = [0.0]
    progress = ProgressLog(100, "annotating", "sentence", interval=60, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="nerdistill.progress"):
        for _ in range(10):
            now[0] += 5
            progress.set_postfix(failed=1)
            progress.update()
        assert caplog.messages == []  # 50 s: not yet
        now[0] += 10
        progress.update(10)
    assert caplog.messages == ["annotating: 20 of 100 sentences (20%), failed 1, 0.33/s, about 4 min left"]


def test_a_bar_only_on_a_terminal_a_log_elsewhere_nothing_when_asked(capsys):
    assert progress_bar(5, "x", "item", False) is None
    assert isinstance(progress_bar(5, "x", "item", None), ProgressLog)  # pytest's stderr is no terminal
    assert not isinstance(progress_bar(5, "x", "item", True), ProgressLog)


def test_units_take_their_plural():
    assert ProgressLog(4, "epoch 1/8", "batch", interval=60).line().startswith("epoch 1/8: 0 of 4 batches (0%)")

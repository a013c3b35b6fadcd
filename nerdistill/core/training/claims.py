"""Claims on a sweep's models, so that processes started on the same run share its models out.

``nerdistill run CONFIG --stage train`` started twice (a process a core, two terminals, a job queue)
would otherwise train the same model twice over. Each process claims a model with an exclusive file lock
on ``seed-<n>.lock`` beside the model's folder and passes over the models another holds. The operating
system drops a lock when its process ends, however it ends, so a killed run leaves no stale claim to
clean up. The lock file lies outside the model folder because a model taken from another run replaces
that folder whole. The processes of one ``torchrun`` or ``accelerate launch`` (``WORLD_SIZE`` > 1) train
each model together, so they claim nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout


def _lock_file(folder: Path) -> Path:
    return folder.with_name(f"{folder.name}.lock")


@contextlib.contextmanager
def claimed(folder: Path, *, wait: float = 1.0) -> Iterator[bool]:
    """Yields True while this process holds the model in ``folder``, False if another process holds it. A
    claim is waited for up to ``wait`` seconds: a dry run looking at the lock holds it for an instant."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        yield True
        return
    path = _lock_file(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path)
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def held_elsewhere(folder: Path) -> bool:
    """Whether another process is training the model in ``folder`` now."""
    if not _lock_file(folder).exists():
        return False
    with claimed(folder, wait=0) as ours:
        return not ours

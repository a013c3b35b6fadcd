"""Reading text files safely and writing outputs atomically.

Every reader goes through :func:`read_text` (JSON documents through :func:`read_json`), so a missing
file, an empty one, bytes that are not UTF-8 or broken JSON give the same clear error with the file and
line. Every writer goes through :func:`atomic_write`, so an error or a kill half-way never leaves a
truncated output behind.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from nerdistill.core.errors import NerdistillError


def read_text(path: str | Path, *, allow_empty: bool = False) -> str:
    """The file's text as UTF-8, or a :class:`NerdistillError` naming the file and line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NerdistillError("no such file", path=path) from None
    except IsADirectoryError:
        raise NerdistillError("is a folder, not a file", path=path) from None
    except OSError as error:
        raise NerdistillError(f"cannot be read ({error.strerror})", path=path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        line = data.count(b"\n", 0, error.start) + 1
        raise NerdistillError(
            f"not valid UTF-8: byte 0x{data[error.start]:02x} at column {error.start - line_start + 1}",
            path=path, line=line,
        ) from None
    if not allow_empty and not text.strip():
        raise NerdistillError("the file is empty", path=path)
    return text.removeprefix("\ufeff")


def read_json(path: str | Path) -> Any:
    """The JSON document in ``path`` (a result, summary, model card); one that is not valid JSON, cut short
    by a full disk or edited by hand, is a :class:`NerdistillError` naming the file and line."""
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise NerdistillError(f"not valid JSON ({error.msg} at column {error.colno})", path=path,
                              line=error.lineno) from None


def text_records(path: str | Path, what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each non-blank line of a JSONL file as ``(line number, object)``; a line that is not JSON, or not an object
    with a string field ``text`` (``what`` says whose: "an article"), is an error naming the line."""
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise NerdistillError(f"not valid JSON ({error.msg})", path=path, line=number) from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise NerdistillError(f"{what} needs a string field 'text'", path=path, line=number)
        yield number, record


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """A TOML file's tables; a missing or invalid file is an error naming it (``what``: "config", "labels")."""
    import tomllib

    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NerdistillError(f"no such {what} file", path=path) from None
    except tomllib.TOMLDecodeError as error:
        raise NerdistillError(f"not valid TOML: {error}", path=path) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# read once: os.umask can only be read by setting it, which would race with threads writing files
UMASK = _umask()


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w") -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and move it into place only when the block succeeds.

    The file gets the permissions of an ordinary new file (0o666 less the umask), not the owner-only
    ones of a temporary file, so outputs can be shared and published as they are.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, mode, encoding=None if "b" in mode else "utf-8") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~UMASK)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def discard_partial_writes(path: str | Path) -> list[Path]:
    """Delete what :func:`atomic_write` left beside ``path`` when its process was killed mid-write (a
    ``.checkpoint.pt.*.part`` is as large as the checkpoint). Only for a file no other process is writing:
    a model folder its trainer holds, say. Returns what it deleted."""
    path = Path(path)
    leftovers = sorted(path.parent.glob(f".{glob.escape(path.name)}.*.part")) if path.parent.is_dir() else []
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    return leftovers


def write_if_changed(path: str | Path, text: str) -> bool:
    """Write ``text`` atomically unless the file already holds exactly it; True if it wrote."""
    path = Path(path)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    with atomic_write(path) as stream:
        stream.write(text)
    return True

"""Progress bars on a terminal only: logs and CI output stay clean."""

from __future__ import annotations

import sys


def progress_bar(total: int, description: str, unit: str, wanted: bool | None, *, leave: bool = True):
    """A tqdm bar on standard error, or None when ``wanted`` is False (or None and stderr is no terminal)."""
    if wanted is False or (wanted is None and not sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=leave)

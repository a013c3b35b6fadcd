"""Where nerdistill keeps things between runs: ``$NERDISTILL_HOME``, by default ``~/.cache/nerdistill``."""

from __future__ import annotations

import os
from pathlib import Path


def nerdistill_home() -> Path:
    home = os.environ.get("NERDISTILL_HOME")
    return Path(home).expanduser() if home else Path.home() / ".cache" / "nerdistill"


def default_store_path() -> Path:
    """The shared annotation store: any identical request, from any run, is answered from it."""
    return nerdistill_home() / "annotations.sqlite"

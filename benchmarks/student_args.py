"""The command-line arguments every benchmark of a trained student takes (inference, serving, streaming)."""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONLL_TEST = ROOT.parent / "shared" / "data" / "conll2003" / "test.txt"


def student_parser(doc: str, results: Path) -> argparse.ArgumentParser:
    """``--model`` (a model folder), ``--test`` (CoNLL-2003's test split beside the checkout) and ``--output``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="a trained model folder (or an exported one)")
    parser.add_argument("--test", type=Path, default=CONLL_TEST)
    parser.add_argument("--output", type=Path, default=results)
    return parser

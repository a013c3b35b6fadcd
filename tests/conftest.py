"""Shared fixtures. Installed third-party plugins never load in tests unless a test asks for them."""

from __future__ import annotations

import os

os.environ["NERDISTILL_LOAD_PLUGINS"] = ""
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from nerdistill.core.plugins.manager import reset_plugin_host  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def conll_test_split() -> Path:
    """The full CoNLL-2003 test split from the shared data folder beside the checkout."""
    path = SHARED_DATA / "conll2003" / "test.txt"
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    return path


@pytest.fixture
def fresh_plugins():
    """Reload plugins before and after the test, so registrations made in it do not leak."""
    reset_plugin_host()
    yield
    reset_plugin_host()


@pytest.fixture
def run_cli():
    """Invoke the CLI in-process; returns click's Result."""
    from nerdistill.cli import cli

    def run(*args: str, **kwargs):
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return run

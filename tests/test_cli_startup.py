import subprocess
import sys

import nerdistill


def test_version(run_cli):
    result = run_cli("--version")
    assert result.output.strip() == f"nerdistill, version {nerdistill.__version__}"


def test_help_imports_no_heavy_library():
    code = ("import sys; from nerdistill.cli import cli; from click.testing import CliRunner; "
            "r = CliRunner().invoke(cli, ['--help']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in ('torch', 'transformers', 'litellm', 'instructor', 'llama_cpp') "
            "if m in sys.modules))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "nerdistill", "schedules", "list"], capture_output=True,
                            text=True)
    assert result.returncode == 0 and "simple_mix" in result.stdout

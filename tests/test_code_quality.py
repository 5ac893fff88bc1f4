"""What a learner reads, measured: the code each page shows, and the errors bad inputs
get.

Both measures are the benchmarks' own scripts, run as a reader of the numbers would:
- ``benchmarks/shown_code.py``: on every chapter page, at most 8% of the shown code
  lines check arguments, and no shown line is wider than 88 columns;
- ``benchmarks/bad_inputs.py``: an independent probe calls every public function with
  bad inputs; none is accepted silently and at least 98% get an error that names the
  argument (values legal by design are listed in its ``ALLOWED``, each with a reason).

And the habits: ruff (configured in pyproject.toml) finds nothing to lint or to
reformat in src/, tests/, hooks/ and benchmarks/.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


LINTED = ("src", "tests", "hooks", "benchmarks")


def ruff(*arguments: str) -> subprocess.CompletedProcess:
    executable = Path(sys.executable).with_name("ruff")
    command = [str(executable)] if executable.exists() else ["ruff"]
    return subprocess.run(
        [*command, *arguments, *LINTED], cwd=ROOT, capture_output=True, text=True
    )


def test_ruff_finds_nothing_to_lint():
    result = ruff("check", "--output-format", "concise")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_ruff_finds_nothing_to_reformat():
    result = ruff("format", "--check")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def run(script: str, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_pages_show_the_math_not_the_checks_and_fit_the_column():
    result = run("shown_code.py", "--max-check-share", "8", "--max-wide", "0")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "total" in result.stdout


def test_every_bad_input_gets_a_clear_error():
    result = run("bad_inputs.py", "--min-clear", "98", "--max-silent", "0")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "probed" in result.stdout

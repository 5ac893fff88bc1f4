"""Build-time benchmark: cold, warm, figures switched off, and a Markdown edit under `mkdocs serve`.

Runs in a temporary copy of the project so your own caches are untouched:

    .venv/bin/python benchmarks/build_times.py [--repeat 3]

Budgets (issue 2): warm build at most 1.5x the build with figures switched off;
cold build under 60 s on a 2-core machine. Exits non-zero if a budget is missed.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("src", "docs", "hooks", "mkdocs.yml")


def make_copy(destination: Path) -> Path:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, destination / name)
    (destination / "node_modules").symlink_to(ROOT / "node_modules")
    return destination


def environment(project: Path, **extra) -> dict:
    return dict(os.environ, NO_MKDOCS_2_WARNING="1", MPLBACKEND="Agg", PYTHONPATH=str(project / "src"), **extra)


def timed_build(project: Path, strict: bool = True, **extra) -> float:
    command = [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(project / "site")]
    if strict:
        command.append("--strict")
    started = time.perf_counter()
    result = subprocess.run(command, cwd=project, env=environment(project, **extra), capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"build failed:\n{result.stderr[-4000:]}")
    return elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_edit_rebuild(project: Path) -> float:
    """Seconds from saving a Markdown page to the end of the rebuild under `mkdocs serve`."""
    log_path = project / "serve.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--livereload", "--dev-addr", f"127.0.0.1:{free_port()}"],
            cwd=project,
            env=environment(project),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        while "Serving on" not in log_path.read_text():
            if server.poll() is not None:
                raise SystemExit(f"mkdocs serve exited:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.05)
        time.sleep(1.0)  # let the watcher settle
        builds = log_path.read_text().count("Documentation built")
        page = project / "docs" / "foundations" / "functions.md"
        started = time.perf_counter()
        page.write_text(page.read_text(encoding="utf-8") + "\nAn edited line.\n", encoding="utf-8")
        while log_path.read_text().count("Documentation built") == builds:
            time.sleep(0.02)
        return time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of the warm and figures-off builds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dlf-bench-") as folder:
        project = make_copy(Path(folder))
        cold = timed_build(project)
        warm = statistics.median(timed_build(project) for _ in range(args.repeat))
        off = statistics.median(timed_build(project, strict=False, DLF_FIGURES="off") for _ in range(args.repeat))
        edit = serve_edit_rebuild(project)
    ratio = warm / off
    rows = [
        ("cold build (empty caches: all figures and labs)", cold, "< 60 s"),
        ("warm build (nothing changed), median", warm, ""),
        ("build with figures switched off, median", off, ""),
        ("warm / figures off", ratio, "<= 1.5"),
        ("rebuild after a Markdown edit under mkdocs serve", edit, ""),
    ]
    for label, value, budget in rows:
        unit = "" if label.startswith("warm /") else " s"
        print(f"{label:52s} {value:8.2f}{unit:2s} {budget}")
    return 0 if cold < 60 and ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())

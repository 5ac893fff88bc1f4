"""MkDocs hook: the "Reproduced results" page and ``reproductions.json``.

Every result a chapter declares with ``dlfoundations.reproductions.reproduces`` is
measured (from the experiments' cached results) in a fresh subprocess, after the
figures, whose workers ran the experiments. The table is cached by a digest of the
package source and the library versions, so a build whose package did not change
measures nothing. The page ``docs/reproductions.md`` holds the marker
``<!-- reproductions-table -->``, replaced by the table; the site gets the same rows
as JSON at ``reproductions.json``. A result that cannot be measured fails the build.

This hook also points the experiments' cache at ``.cache/experiments`` of the
project (``DLF_EXPERIMENT_CACHE``), for the figure workers and the lab kernels too.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

PAGE = "reproductions.md"
MARKER = "<!-- reproductions-table -->"
JSON_NAME = "reproductions.json"
KEYED_LIBRARIES = ("numpy", "torch", "scikit-learn", "mnist1d")
_rows: list[dict] | None = None


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_config(config):
    os.environ.setdefault(
        "DLF_EXPERIMENT_CACHE", str(_root(config) / ".cache" / "experiments")
    )
    return config


def _source_digest(src: Path) -> str:
    from importlib import metadata

    digest = hashlib.sha256(Path(__file__).read_bytes())
    for library in KEYED_LIBRARIES:
        try:
            digest.update(f"{library}={metadata.version(library)};".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library}=absent;".encode())
    for path in sorted(src.rglob("*.py")):
        digest.update(path.relative_to(src).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def measured_rows(config) -> list[dict]:
    """The table's rows, from the cache or measured now in a subprocess."""
    root = _root(config)
    cache = root / ".cache" / "reproductions"
    path = cache / f"{_source_digest(root / 'src')}.json"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        env = dict(os.environ, MPLBACKEND="Agg")
        env["PYTHONPATH"] = os.pathsep.join(
            [str(root / "src"), env.get("PYTHONPATH", "")]
        )
        command = [sys.executable, "-m", "dlfoundations.reproductions"]
        result = subprocess.run(
            [*command, "--json", str(temporary)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            temporary.unlink(missing_ok=True)
            raise PluginError(
                "reproduced results: measuring failed\n" + result.stderr[-6000:]
            )
        for old in cache.glob("*.json"):
            old.unlink()
        os.replace(temporary, path)
    return json.loads(path.read_text(encoding="utf-8"))["results"]


# before the link checker records the site's files (as build_hooks.on_files does);
# equal priorities keep the hooks' order, so this still runs after the figures
@event_priority(50)
def on_files(files: Files, config) -> Files:
    global _rows
    _rows = None
    if files.get_file_from_path(PAGE) is None:
        return files
    _rows = measured_rows(config)
    content = json.dumps({"results": _rows}, indent=1)
    files.append(File.generated(config, JSON_NAME, content=content))
    return files


def _number(value: float) -> str:
    return f"{value:.4g}"


def table(rows: list[dict]) -> str:
    """The rows as a Markdown table, one result per row."""
    lines = [
        "| result | claim | source | published | measured | holds |",
        "|---|---|---|---:|---:|:---:|",
    ]
    for row in rows:
        verdict = "yes" if row["holds"] else "**no**"
        tolerance = f" ± {_number(row['tolerance'])}" if row["tolerance"] else ""
        lines.append(
            f"| `{row['id']}` | {row['claim']} | {row['source']} | "
            f"{_number(row['published'])}{tolerance} | {_number(row['measured'])} | "
            f"{verdict} |"
        )
    return "\n".join(lines)


def on_page_markdown(markdown: str, page, config, files) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown or _rows is None:
        raise PluginError(f"{PAGE} must hold the marker {MARKER}")
    return markdown.replace(MARKER, table(_rows))

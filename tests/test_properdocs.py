"""The exit path off MkDocs 1.x: the book builds unchanged with ProperDocs.

ProperDocs is the maintained fork of MkDocs 1.x. It installs its own ``properdocs``
package and command beside ``mkdocs`` 1.6.1 without touching it, and while its command
runs it serves every ``mkdocs.*`` import from ``properdocs.*``, so the hooks, Material,
mkdocs-jupyter and the link checker work as they are. It runs in a subprocess only:
importing ``properdocs.__main__`` here would replace ``mkdocs`` for every other test.

The strict, link-checked ProperDocs build must give the same files, byte for byte, as
the session's MkDocs build, except the ``<meta name="generator">`` of each page.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT, differing_files, mkdocs_env

pytestmark = pytest.mark.site

GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')


def test_properdocs_builds_the_same_site_strictly(built_site, tmp_path):
    site = tmp_path / "site"
    result = subprocess.run(
        # -f: ProperDocs looks for properdocs.yml first, and says so when it falls back
        [
            sys.executable,
            "-m",
            "properdocs",
            "build",
            "--strict",
            "-f",
            "mkdocs.yml",
            "--site-dir",
            str(site),
        ],
        cwd=ROOT,
        env=mkdocs_env(DLF_CHECK_LINKS="true"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        f"strict ProperDocs build failed:\n{result.stderr[-6000:]}"
    )
    assert not re.search(r"^(\x1b\[\d+m)?WARNING\s+-", result.stderr, re.M), (
        result.stderr[-6000:]
    )
    page = (site / "foundations/functions/index.html").read_bytes()
    assert b"ProperDocs" in page, "not ProperDocs' output"
    assert b'<span class="nf">square</span>' in page, "snippets from src/ not embedded"

    def without_generator(name: str, data: bytes) -> bytes:
        return GENERATOR.sub(b"", data) if name.endswith(".html") else data

    assert not differing_files(built_site, site, without_generator)

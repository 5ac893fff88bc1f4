"""Build every stale figure of the book: ``python -m dlfoundations.figures --help``."""

import sys

from ._build import main

sys.exit(main())

"""What every benchmark shares: run as `python bench/NAME.py`, it imports this first, which puts the
project's root on the import path (for `digitlab`, `ui` and `tests.e2e.server`)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

"""What every benchmark shares: run as `python bench/NAME.py`, it imports this first, which puts the
project's root on the import path (for `digitlab`, `ui` and `tests.e2e.server`)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def last_line_of_its_own_process(script: str, *args: str) -> list[str]:
    """Run `python script args` in a new process (a bench's child mode: another TensorFlow's thread
    settings need another process) and return the words of the last line it printed."""
    done = subprocess.run([sys.executable, script, *args], capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1].split()


def machine() -> str:
    """The processor this bench ran on, for comparing figures across machines and days: one host of
    this kind ran everything 2.3x as fast as another (plain Keras 5.3 s against 13.2 s, 2026-12-07)."""
    fields = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        return "machine=unknown"
    flags = set(fields.get("flags", "").split())
    vector = next((name for name in ("amx_tile", "avx512f", "avx2") if name in flags), "none")
    return f"cpu={fields.get('model name', '?')!r} mhz={fields.get('cpu MHz', '?')} widest={vector}"

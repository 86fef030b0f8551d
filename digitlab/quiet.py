"""Import TensorFlow without its C++ start-up notices on the terminal; real errors stay visible.

TensorFlow 2.21 prints its start-up lines (the oneDNN notice, "Could not find cuda drivers",
"failed call to cuInit" on machines without a GPU) through absl before it reads
`TF_CPP_MIN_LOG_LEVEL`, so setting that variable does not hide them. The import runs with the
process's stderr (file descriptor 2, where C++ writes) captured; afterwards every captured line
that is not one of these known notices is written back.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

NOTICES = (
    "All log messages before absl::InitializeLog() is called",
    "oneDNN custom operations are on",
    "Could not find cuda drivers on your machine",
    "failed call to cuInit",
    "This TensorFlow binary is optimized to use available CPU instructions",
    "To enable the following instructions:",
    "Attempting to register factory for plugin",  # cuDNN/cuFFT/cuBLAS registered twice: harmless
)


@contextmanager
def captured_stderr() -> Iterator[list[str]]:
    """Send file descriptor 2 to a temporary file; the list gets its lines when the block ends."""
    lines: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines.extend(sink.read().decode(errors="replace").splitlines(keepends=True))


def import_tensorflow() -> None:
    """Import TensorFlow (and look for GPUs, where cuInit runs) with its start-up notices dropped."""
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # later INFO lines off; warnings and errors shown
    with captured_stderr() as lines:
        import tensorflow as tf

        tf.config.list_physical_devices("GPU")
    sys.stderr.writelines(line for line in lines if not any(notice in line for notice in NOTICES))

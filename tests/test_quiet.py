import os
import subprocess
import sys
from pathlib import Path

from digitlab.quiet import NOTICES

ROOT = Path(__file__).resolve().parents[1]


def python(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # as a user starts it
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_tensorflow_start_up_notices_stay_off_the_terminal():
    result = python("import digitlab, tensorflow as tf; print(float(tf.constant(2.0) + 1))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3.0"
    assert not any(notice in result.stderr for notice in NOTICES), result.stderr


def test_other_lines_written_while_tensorflow_loads_still_reach_stderr():
    code = (
        "import os\n"
        "from digitlab.quiet import captured_stderr, NOTICES\n"
        "with captured_stderr() as lines:\n"
        "    os.write(2, b'E0000 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)\\n')\n"
        "    os.write(2, b'E0000 something real went wrong\\n')\n"
        "import sys\n"
        "sys.stderr.writelines(l for l in lines if not any(n in l for n in NOTICES))\n"
    )
    result = python(code)
    assert result.stderr == "E0000 something real went wrong\n"

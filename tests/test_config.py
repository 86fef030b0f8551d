"""The server's safe defaults in .streamlit/config.toml."""

import tomllib
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"


def test_server_defaults_are_safe():
    server = tomllib.loads(CONFIG.read_text())["server"]
    assert server["address"] == "localhost"  # not reachable from the network unless asked
    assert server["enableXsrfProtection"] is True
    assert 1 <= server["maxUploadSize"] <= 10  # MB: a digit photo, not a dump


def test_pil_refuses_decompression_bombs():
    from PIL import Image

    import digitlab.preprocess as preprocess

    assert Image.MAX_IMAGE_PIXELS == preprocess.MAX_PIXELS <= 50_000_000

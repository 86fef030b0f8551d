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

    import digitlab.learn.preprocess as preprocess

    assert Image.MAX_IMAGE_PIXELS == preprocess.MAX_PIXELS <= 50_000_000


def test_the_compose_example_serves_the_app_servers_the_nginx_file_names():
    import re

    import yaml

    deploy = CONFIG.parents[1] / "deploy"
    services = yaml.safe_load((deploy / "compose.yaml").read_text())["services"]
    upstream = set(re.findall(r"server 127\.0\.0\.1:(\d+);", (deploy / "nginx-digitlab.conf").read_text()))
    apps = {
        re.search(r"--server\.port (\d+)", s["command"]).group(1)
        for s in services.values()
        if "streamlit" in str(s.get("command"))
    }
    assert apps == upstream == {"8501", "8502"}
    worker = services["worker"]["command"]
    assert "--resources training=1" in worker and "tcp://127.0.0.1:8786" in worker  # the jobs' slot (cluster.SLOT)
    assert (deploy / "Dockerfile").is_file() and "requirements.txt" in (deploy / "Dockerfile").read_text()

"""JupyterLab serves the lessons: a real server on 127.0.0.1 opens every lesson notebook."""

from __future__ import annotations

import json
import urllib.request

import pytest

from lakehouse_kit.runner import LESSONS
from lakehouse_kit.settings import PROJECT_ROOT

pytestmark = pytest.mark.services  # a real JupyterLab server


@pytest.fixture(scope="module")
def lab(jupyterlab):
    return jupyterlab(PROJECT_ROOT)


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def test_jupyterlab_serves_the_lab_page(lab):
    with urllib.request.urlopen(lab.page("/lab"), timeout=30) as response:
        assert response.status == 200 and b"JupyterLab" in response.read()


@pytest.mark.parametrize("notebook", sorted(p.name for p in LESSONS.glob("*.ipynb")))
def test_jupyterlab_opens_each_lesson(lab, notebook):
    model = _get(lab.page(f"/api/contents/lessons/{notebook}"))
    cells = model["content"]["cells"]
    assert model["type"] == "notebook" and len(cells) > 5
    assert any("NotImplementedError" in "".join(c["source"]) for c in cells)


def test_a_rebound_host_name_is_refused_as_the_docker_image_runs_it(jupyterlab):
    """DNS rebinding: a web page points its own name at 127.0.0.1:8888 and sends the request
    with that name as Host. With the image's `--ServerApp.allow_remote_access=False` (which
    its `--ip=0.0.0.0` would otherwise turn off) JupyterLab refuses it; 127.0.0.1 works."""
    import re
    import urllib.error

    dockerfile = (PROJECT_ROOT / "docker" / "jupyter" / "Dockerfile").read_text()
    flag = re.search(r'"(--ServerApp\.allow_remote_access=\w+)"', dockerfile).group(1)
    lab = jupyterlab(PROJECT_ROOT, flag)
    port = lab.url.rsplit(":", 1)[1]
    request = urllib.request.Request(lab.page("/api/status"))
    request.add_header("Host", f"rebind.example.com:{port}")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403
    assert _get(lab.page("/api/status"))["started"]


def test_the_docker_token_is_random_private_and_kept(tmp_path):
    """`lakehouse up --docker` writes a random JupyterLab token into .env once, for the owner
    only, keeping what .env held; later calls use it."""
    from lakehouse_kit.cli import docker_token

    env = tmp_path / ".env"
    env.write_text("LAKEHOUSE_BUCKET=mine")
    token = docker_token(env)
    assert len(token) >= 24 and token != "lakehouse"
    assert env.read_text() == f"LAKEHOUSE_BUCKET=mine\nJUPYTER_TOKEN={token}\n"
    assert env.stat().st_mode & 0o077 == 0
    assert docker_token(env) == token
    assert docker_token(tmp_path / "other.env") != token

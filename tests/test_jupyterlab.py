"""JupyterLab serves the lessons: a real server on 127.0.0.1 opens every lesson notebook."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

import pytest

from lakehouse_kit.course import LESSONS
from lakehouse_kit.services import free_port
from lakehouse_kit.settings import PROJECT_ROOT

pytestmark = pytest.mark.services  # a real JupyterLab server

TOKEN = "test-token"


@pytest.fixture(scope="module")
def jupyter_url(tmp_path_factory):
    port = free_port()
    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={PROJECT_ROOT}",
        ],
        env={**__import__("os").environ, "JUPYTER_RUNTIME_DIR": str(runtime)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("JupyterLab did not start within 60 s")
    yield url
    server.terminate()
    server.wait(timeout=20)


def _get(url: str) -> dict:
    with urllib.request.urlopen(f"{url}?token={TOKEN}", timeout=30) as response:
        return json.loads(response.read())


def test_jupyterlab_serves_the_lab_page(jupyter_url):
    with urllib.request.urlopen(f"{jupyter_url}/lab?token={TOKEN}", timeout=30) as response:
        assert response.status == 200 and b"JupyterLab" in response.read()


@pytest.mark.parametrize("notebook", sorted(p.name for p in LESSONS.glob("*.ipynb")))
def test_jupyterlab_opens_each_lesson(jupyter_url, notebook):
    model = _get(f"{jupyter_url}/api/contents/lessons/{notebook}")
    cells = model["content"]["cells"]
    assert model["type"] == "notebook" and len(cells) > 5
    assert any("NotImplementedError" in "".join(c["source"]) for c in cells)

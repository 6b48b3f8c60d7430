"""JupyterLab serves the lessons: a real server on 127.0.0.1 opens every lesson notebook."""

from __future__ import annotations

import json
import urllib.request

import pytest

from lakehouse_kit.course import LESSONS
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

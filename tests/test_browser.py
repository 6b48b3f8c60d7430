"""A learner's first minutes in a real browser: `lakehouse up`, `jupyter lab lessons/`, open
lesson 1, Run All, meet the first TODO, solve it, see the check's ✓, and no news prompt.

Headless Debian chromium driven by Playwright (its own browser download is not used). Off CI a
machine without chromium skips with the reason; in CI (CI=true) `.ci/run` installs it, and a
missing browser fails instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import urllib.request

import jupytext
import pytest

from lakehouse_kit.runner import LESSONS, lesson_path

pytestmark = pytest.mark.services  # JupyterLab, a kernel and the lakehouse's servers

LESSON = lesson_path(1, LESSONS).stem
SECONDS = 60_000  # Playwright's timeouts are in milliseconds
NOTHING_QUEUED = """() => ![...document.querySelectorAll('.jp-NotebookPanel .jp-InputPrompt')]
    .some(prompt => prompt.textContent.includes('[*]'))"""


def _exercise(lesson: str):
    """The first exercise of a lesson: its cell index, its TODO message, the solution's source."""
    cells = jupytext.read(LESSONS / f"{lesson}.ipynb").cells
    solutions = jupytext.read(lesson_path(lesson)).cells
    index = next(i for i, c in enumerate(cells) if "solution" in c.metadata.get("tags", []))
    todo = re.search(r'NotImplementedError\("(TODO: .*)"\)', cells[index].source).group(1)
    solution = next(c.source for c in solutions if "solution" in c.metadata.get("tags", []))
    return index, todo, solution


def _browser_missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return 'no playwright (pip install -e ".[dev]")'
    if not shutil.which("chromium"):
        return "no chromium on PATH (Debian/Ubuntu: apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _browser_missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:  # Playwright passes --no-sandbox (we may be root)
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def lab(jupyterlab, lakehouse_home, tmp_path_factory):
    """The workshop path: `lakehouse up`, then `jupyter lab lessons/` on a copy of the lessons
    (JupyterLab autosaves), with fresh user settings and workspaces."""
    from lakehouse_kit.cli import main

    assert main(["up"]) == 0  # also quiets JupyterLab in this environment (lakehouse_kit/lab.py)
    top = tmp_path_factory.mktemp("learner")
    shutil.copytree(LESSONS, top / "lessons")
    env = {"JUPYTERLAB_SETTINGS_DIR": top / "user-settings"}
    env["JUPYTERLAB_WORKSPACES_DIR"] = top / "workspaces"
    return jupyterlab(top / "lessons", env=env)


def test_lesson_one_stops_at_its_todo_then_the_solved_exercise_passes(lab, browser):
    index, todo, solution = _exercise(LESSON)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(SECONDS)
    page.goto(lab.page(f"/lab/tree/{LESSON}.ipynb"))
    cells = page.locator(".jp-NotebookPanel .jp-Cell")
    _wait_idle(page)

    _menu(page, "Run", "Run All Cells")
    check = cells.nth(index + 1)  # calls the exercise's function: the stub raises there
    check.locator(".jp-OutputArea-output", has_text=todo).wait_for()
    page.wait_for_function(NOTHING_QUEUED)  # the kernel aborts what was queued after the error
    assert f"NotImplementedError: {todo}" in check.locator(".jp-OutputArea").text_content()
    prompts = _prompts(page)
    assert re.fullmatch(r"\[\d+\]:", prompts[index]), prompts  # the cells above it ran
    later = [prompt for prompt in prompts[index + 2 :] if prompt is not None]
    assert later and set(later) == {"[ ]:"}, prompts  # no code cell below it ran

    cells.nth(index).locator(".cm-content").click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(solution)  # as a paste: no auto-indent or closing brackets
    page.keyboard.press("Shift+Enter")  # runs the exercise, selects its check
    page.keyboard.press("Shift+Enter")
    check.locator(".jp-OutputArea-output", has_text="✓").wait_for()
    assert "Error" not in check.locator(".jp-OutputArea").text_content()

    # No pop-up on the way (the news prompt shows as soon as the page is restored), nor one
    # that came and went: the status bar counts every notification of the session.
    assert page.locator(".Toastify__toast").all_inner_texts() == []
    assert page.locator(".jp-Notification-Status").inner_text().strip() == "0"


def test_jupyterlab_never_asks_about_news_or_updates(lab):
    url = lab.page("/lab/api/settings/@jupyterlab/apputils-extension:notification")
    with urllib.request.urlopen(url, timeout=30) as response:
        defaults = json.loads(response.read())["schema"]["properties"]  # with the overrides
    assert defaults["fetchNews"]["default"] == "false"
    assert defaults["checkForUpdates"]["default"] is False


def _menu(page, *path: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{path[0]}$")).click()
    for label in path[1:]:
        page.locator(".lm-Menu-itemLabel:visible", has_text=re.compile(f"^{label}$")).click()


def _wait_idle(page) -> None:
    """Until the status bar says the kernel is connected and idle (running before a kernel is
    connected opens JupyterLab's Select Kernel dialog)."""
    page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$")).wait_for()


def _prompts(page) -> list[str | None]:
    """Each cell's input prompt ("[3]:", "[ ]:" if it never ran), None for a markdown cell."""
    return page.eval_on_selector_all(
        ".jp-NotebookPanel .jp-Cell",
        "cells => cells.map(cell => cell.classList.contains('jp-CodeCell')"
        " ? cell.querySelector('.jp-InputPrompt').textContent : null)",
    )

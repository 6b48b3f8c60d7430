"""The course's shared kernel (`lakehouse_kit.kernel`): lessons run one after another in one
kernel and one client, yet each starts as in a fresh kernel, and its notebook is written whole.
No servers: tiny notebooks in a throw-away folder."""

from __future__ import annotations

import json

import pytest

from lakehouse_kit.runner import run_lessons

pytestmark = pytest.mark.course  # starts a Jupyter kernel


def _lesson(folder, name: str, *cells: str):
    path = folder / f"{name}.py"
    path.write_text("".join(f"# %%\n{cell}\n\n" for cell in cells))
    return path


@pytest.fixture
def folder(kit_home, tmp_path):
    """A lessons folder; the kernels' logs go to a home of their own."""
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    with kit_home("kernel"):
        yield lessons


def test_each_lesson_starts_with_nothing_of_the_one_before(folder, tmp_path):
    first = _lesson(folder, "01_first", "import json\nanswer = 42", "answer")
    second = _lesson(
        folder,
        "02_second",
        "leaked = [n for n in ('answer', 'json', '_2') if n in globals()]\n"
        "assert not leaked, leaked\nassert not Out, Out",
        f"import os\nassert os.getcwd() == {str(folder)!r}, os.getcwd()",
        "print('second ran')",
    )
    course = run_lessons([first, second], output_dir=tmp_path / "runs", start_services=False)

    assert [run.lesson for run in course.lessons] == ["01_first", "02_second"]
    assert course.ok, course.failed and course.failed.error
    written = json.loads((tmp_path / "runs" / "02_second.ipynb").read_text())
    assert written["cells"][-1]["outputs"][0]["text"] == ["second ran\n"]
    assert all(cell["metadata"]["papermill"]["status"] == "completed" for cell in written["cells"])


def test_a_failing_cell_stops_the_run_and_is_named(folder, tmp_path):
    broken = _lesson(folder, "01_broken", "x = 1", "raise ValueError('no such table')", "y = 2")
    after = _lesson(folder, "02_after", "print('must not run')")
    course = run_lessons([broken, after], output_dir=tmp_path / "runs", start_services=False)

    assert [run.lesson for run in course.lessons] == ["01_broken"]
    assert "ValueError: no such table" in course.failed.error
    assert "raise ValueError" in course.failed.error
    written = json.loads((tmp_path / "runs" / "01_broken.ipynb").read_text())
    errors = [
        o for c in written["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"
    ]
    assert [e["ename"] for e in errors] == ["ValueError"]


def test_the_kernel_hands_back_a_value_or_names_what_failed(folder):
    from lakehouse_kit.errors import KitError
    from lakehouse_kit.kernel import SharedKernel

    kernel = SharedKernel(folder)
    try:
        assert kernel.evaluate("__import__('json').dumps({'rows': 6 * 7})") == '{"rows": 42}'
        with pytest.raises(KitError, match="ZeroDivisionError"):
            kernel.evaluate("1 / 0")
    finally:
        kernel.close()


def test_a_kernel_that_died_at_its_start_is_reported_at_once(folder):

    from lakehouse_kit.errors import KitError
    from lakehouse_kit.kernel import SharedKernel

    kernel = SharedKernel(folder)
    try:
        kernel.manager.provisioner.process.kill()  # as an out-of-memory kill would
        # Told that it died, not that it stayed silent for the 120 s a kernel is given.
        with pytest.raises(KitError, match="did not start: Kernel died"):
            kernel.fresh_namespace(folder)
    finally:
        kernel.close()


def test_the_first_lesson_finds_its_imports_loaded_and_great_expectations_follows(folder, tmp_path):
    """The kernel loads what lesson 1 needs before it starts; Great Expectations comes in a
    thread, and a lesson that imports it meanwhile gets the whole module (no half-initialised
    one: the import waits for the thread's)."""
    first = _lesson(
        folder,
        "01_first",
        "import sys\nfrom lakehouse_kit.preload import FIRST\n"
        "missing = [m for m in FIRST if m not in sys.modules]\nassert not missing, missing",
        "from lakehouse_kit.quality import gxe, validate\nassert gxe.ExpectColumnValuesToNotBeNull",
    )
    course = run_lessons([first], output_dir=tmp_path / "runs", start_services=False)
    assert course.ok, course.failed and course.failed.error

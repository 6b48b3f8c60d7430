"""One Jupyter kernel for a run of lessons (`lakehouse_kit.papermill_engine` executes notebooks
in it). Compared with a new kernel per lesson, it saves per lesson the kernel's start and its
imports; compared with papermill's `%reset`, two full garbage collections (~0.35 s). It imports
no papermill: the kernel starts first, and its caller imports the rest while it boots."""

from __future__ import annotations

import ast
from pathlib import Path

from lakehouse_kit.errors import KitError

# The names a new kernel starts with (In, Out, get_ipython, __builtins__ ...): a lesson keeps
# those and nothing else, so a variable or import of the lesson before cannot leak into it.
_REMEMBER_START = "__kit_start_names__ = set(globals()) | {'__kit_start_names__'}"
_FORGET_LESSON = (
    "(lambda g: ([g.pop(n) for n in list(g) if n not in g['__kit_start_names__']],"
    " g['Out'].clear(), g.update(_='', __='', ___='')))(globals()); __import__('os').chdir(%r)"
)


# What the lessons import (`preload.py`): lesson 1 waits for the part it needs, Great
# Expectations imports in a thread beside lessons 1 and 2. Binds no name.
_PRELOAD = "__import__('lakehouse_kit.preload').preload.preload()"


class SharedKernel:
    """A kernel and its one client for a run of lessons, its namespace emptied before each
    lesson: imports (Spark Connect, pandas, Great Expectations: seconds each) and the Spark
    session are paid once per run, and a lesson still fails on a missing import as in a fresh
    kernel."""

    def __init__(self, cwd: Path):
        from jupyter_client.manager import KernelManager

        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(cwd=str(cwd))
        self.client = self.manager.client()
        self.client.start_channels()
        # Not awaited: the kernel runs them in order once it is up, while its caller goes on.
        for code in (_REMEMBER_START, _PRELOAD):
            self.client.execute(code, silent=True, store_history=False)
        self._started = False  # the first request waits for the kernel (`_await_start`)

    def fresh_namespace(self, cwd: Path) -> None:
        self._run(_FORGET_LESSON % str(cwd))

    def evaluate(self, expression: str):
        """The value of a Python literal `expression` computes in the kernel (e.g. a JSON text)."""
        reply = self._run("", user_expressions={"value": expression})
        value = reply["content"]["user_expressions"]["value"]
        if value["status"] != "ok":
            raise KitError(
                f"The course kernel could not compute {expression}: {value['ename']}: "
                f"{value['evalue']}",
                fix="Run `lakehouse doctor`, then the course again.",
            )
        return ast.literal_eval(value["data"]["text/plain"])

    def _await_start(self) -> None:
        """Wait until the kernel answers (after its imports); a kernel that died is reported at
        once, not after the timeout."""
        try:
            self.client.wait_for_ready(timeout=120)
        except RuntimeError as error:
            raise KitError(
                f"The course kernel did not start: {error}",
                fix="Run `lakehouse doctor`; `python -m ipykernel_launcher --version` must work.",
            ) from error
        self._started = True

    def _run(self, code: str, **options) -> dict:
        if not self._started:
            self._await_start()
        try:
            reply = self.client.execute_interactive(
                code,
                silent=True,
                store_history=False,
                timeout=120,  # a summary counts every table's rows (on the JVM: seconds each)
                output_hook=lambda _: None,
                **options,
            )
        except TimeoutError:
            reply = {"content": {"status": "timeout"}}
        if reply["content"]["status"] != "ok":
            state = "is not answering" if self.manager.is_alive() else "has stopped"
            raise KitError(f"The course kernel {state}.", fix="Run the lessons again.")
        return reply

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)

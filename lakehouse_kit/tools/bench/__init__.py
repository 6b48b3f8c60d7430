"""`lakehouse-dev bench`: the medallion pipeline on generated data, embedded engine vs JVM Spark.

Each run executes the lessons' own solutions (02 Bronze, 03 Silver with expectations, 04 Gold)
through papermill, on `tools.data.scale.generate` data, in its own LAKEHOUSE_HOME under
`<home>/bench/`, so the learner's tables are untouched:

* ``sail``: the embedded default (`local`: Sail + SeaweedFS, Delta tables in the bucket);
* ``jvm-spark``: the `stack` profile's JVM Spark 4.2 Spark Connect server, Delta tables in the
  same kind of SeaweedFS bucket through S3A, catalog in the Hive Metastore (apples to apples:
  same notebooks, same data, same table format, same object store).

It also times the whole course and the first Spark result after `lakehouse up`, and samples
the resident memory of every process involved (services, kernels, this process). The result is
a JSON-ready report; `lakehouse-dev bench` prints it.

By job: the pipeline runs per engine (`runs`), the memory sampler (`memory`), the course and the
first result timed from cold (`timing`), the report and its drawing (`report`); `run_bench`
below runs them all.
"""

from __future__ import annotations

from collections.abc import Callable

from lakehouse_kit.tools.bench.report import shape_report
from lakehouse_kit.tools.bench.runs import bench_data, bench_home, engine_run, jvm_unavailable
from lakehouse_kit.tools.bench.timing import (
    COURSE_RUNS,
    FIRST_RESULT_RUNS,
    machine_facts,
    median_run,
    time_course,
    time_first_result,
)

OnStep = Callable[[str, bool], None]  # (what the benchmark starts now, whether it is a warning)


def run_bench(
    scales: list[int], baseline: bool = True, course: bool = True, on_step: OnStep | None = None
) -> dict:
    """Benchmark every scale on Sail (and the JVM baseline), then the course and first result.

    Returns the report (`shape_report`); `on_step` hears what it starts, as it starts it."""
    step = on_step or (lambda message, warning: None)
    home = bench_home()
    skipped = jvm_unavailable() if baseline else "JVM baseline skipped (--no-baseline)."
    if skipped:
        step(skipped, True)
    engines = ["sail"] if skipped else ["sail", "jvm-spark"]
    runs = []
    for scale in scales:
        step(f"scale {scale}: generating data", False)
        landing = bench_data(scale, home / "data")
        for engine in engines:
            step(f"scale {scale}: {engine} (Delta)", False)
            runs.append(engine_run(engine, scale, landing, home / engine))
    course_run = first = None
    if course:
        step(f"the whole course, from cold ({COURSE_RUNS} runs)", False)
        course_run = median_run([time_course(home / "course") for _ in range(COURSE_RUNS)])
        step("first result after `lakehouse up`", False)
        first = median_run([time_first_result(home / "first") for _ in range(FIRST_RESULT_RUNS)])
    return shape_report(runs, course_run, first, skipped, machine_facts())

"""The pipeline (lessons 02-04's solutions) on one engine's profile, in a home of its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import psutil

from lakehouse_kit import runtime
from lakehouse_kit.checks.landing import landing_rows, manifest_path, read_manifest
from lakehouse_kit.errors import KitError
from lakehouse_kit.lesson_format import lesson_prefix
from lakehouse_kit.tools.bench.memory import RssSampler, engine_processes

STAGES = {"02": "bronze", "03": "silver", "04": "gold"}
ENGINES = {"sail": "local", "jvm-spark": "stack"}  # engine name -> the profile that runs it
# Settings the bench sets per engine; whatever the learner's shell says is put aside meanwhile.
_KIT_VARIABLES = (
    "LAKEHOUSE_PROFILE",
    "LAKEHOUSE_HOME",
    "LAKEHOUSE_SPARK_REMOTE",
    "LAKEHOUSE_SQL_URL",
    "LAKEHOUSE_S3_ENDPOINT",
    "LAKEHOUSE_LANDING_DIR",
)


def kit_environment(**values: str):
    """The kit's variables set for this process and the kernels it starts (the others unset, so
    a shell's endpoints do not leak into a run); restored afterwards."""
    return runtime.environment({**dict.fromkeys(_KIT_VARIABLES), **values})


def bench_home() -> Path:
    """The bench's folder inside the learner's home, both claimed: an unmarked bench/ would make
    the home look like somebody else's folder to the next `lakehouse up`."""
    from lakehouse_kit import home
    from lakehouse_kit.settings import load_settings

    return home.claim(home.claim(load_settings().home) / "bench")


def bench_data(scale: int, root: Path) -> Path:
    """Generated landing data for a scale factor (made once, reused while data/ is unchanged);
    returns the landing folder."""
    from lakehouse_kit.tools.data.scale import generate, source_digest

    landing = root / f"scale_{scale}" / "landing"
    made = read_manifest(landing) if manifest_path(landing).exists() else {}
    if (made.get("scale"), made.get("source")) != (scale, source_digest()):
        shutil.rmtree(landing.parent, ignore_errors=True)
        generate(scale, landing.parent)
    return landing


# ---------------------------------------------------------------- the pipeline


def pipeline_lessons() -> list[Path]:
    """The stages whose solutions exist (Gold may be missing while it is being written)."""
    from lakehouse_kit.runner import lesson_path

    found = []
    for lesson in STAGES:
        try:
            found.append(lesson_path(lesson))
        except KitError:
            pass
    return found


def timed_lessons(paths: list[Path], output_dir: Path, services, parameters: dict | None = None):
    """Run lessons in order (`runner.run_lessons`) while sampling memory.

    Returns the seconds of each lesson by name, the errors and the memory sampler's peaks."""
    from lakehouse_kit.runner import run_lessons

    me = psutil.Process()
    with RssSampler(lambda: ([me], services())) as sampler:
        course = run_lessons(paths, parameters, output_dir)
    seconds = {run.lesson: round(run.seconds, 2) for run in course.lessons}
    errors = [
        f"{run.lesson} failed in {run.error} (see {run.output})"
        for run in course.lessons
        if not run.ok
    ]
    return seconds, errors, sampler


def run_stages(output_dir: Path, services) -> tuple[dict, list[str], RssSampler]:
    """Run the solutions of every stage in order on this process's kit settings.

    Returns seconds per stage, errors, and the memory sampler's peaks."""
    parameters = {"02": {"batch": 1}, "03": {"batch": 1}}  # landing: LAKEHOUSE_LANDING_DIR
    seconds, errors, sampler = timed_lessons(pipeline_lessons(), output_dir, services, parameters)
    return {STAGES[lesson_prefix(lesson)]: s for lesson, s in seconds.items()}, errors, sampler


def run_record(
    engine: str,
    fmt: str,
    scale: int,
    landing: Path,
    stages: dict,
    errors: list[str],
    sampler: RssSampler,
) -> dict:
    """One run as the JSON shapes it."""
    return {
        "engine": engine,
        "format": fmt,
        "scale": scale,
        "rows": landing_rows(landing),
        "seconds": round(sum(stages.values()), 2),
        "stages": stages,
        "peak_rss_mb": sampler.peak_mb,
        "services_peak_rss_mb": sampler.services_peak_mb,
        "services_peak_rss_mb_by_service": sampler.by_service_mb,
        "ok": not errors,
        "errors": errors,
    }


def engine_run(engine: str, scale: int, landing: Path, home: Path) -> dict:
    """The pipeline on one engine's profile, in a fresh home, with its services started anew."""
    from lakehouse_kit import services
    from lakehouse_kit.settings import load_settings

    with kit_environment(
        LAKEHOUSE_PROFILE=ENGINES[engine],
        LAKEHOUSE_HOME=str(home),
        LAKEHOUSE_LANDING_DIR=str(landing),
    ):
        services.stop_services(load_settings())
        shutil.rmtree(home, ignore_errors=True)
        services.start_services(load_settings())
        try:
            stages, errors, sampler = run_stages(home / "runs", engine_processes)
        finally:
            services.stop_services(load_settings())
    return run_record(engine, "delta", scale, landing, stages, errors, sampler)


def jvm_unavailable() -> str:
    """Why the JVM baseline cannot run here ('' when it can)."""
    from lakehouse_kit.install import stack_unavailable
    from lakehouse_kit.settings import load_settings

    reason = stack_unavailable(load_settings(profile="stack"))
    return f"JVM baseline skipped: {reason}" if reason else ""

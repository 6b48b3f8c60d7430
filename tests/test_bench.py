"""The benchmark: fast unit tests of its parts (generated data, JSON shaping, memory sampling)
and one real run at scale 1 without the JVM baseline, marked `bench` (not in the default run)."""

from __future__ import annotations

import json
import os

import psutil
import pytest

from lakehouse_kit import checks
from lakehouse_kit.checks import landing
from lakehouse_kit.tools.bench import memory, runs, timing
from lakehouse_kit.tools.bench import report as bench_report
from lakehouse_kit.tools.data.scale import generate


def test_checks_read_generated_landing_data(tmp_path, monkeypatch):
    generate(2, tmp_path)
    course = checks.manifest()
    monkeypatch.setenv("LAKEHOUSE_LANDING_DIR", str(tmp_path / "landing"))  # the setting
    assert checks.manifest()["scale"] == 2
    assert (
        len(checks.landing_lines("pokemon", 1))
        == 2 * course["files"]["batch_001/pokemon.jsonl"]["lines"]
    )
    assert landing.expected_malformed("pokemon", 1) == 2 * sum(
        1
        for d in course["defects"]
        if d["file"] == "batch_001/pokemon.jsonl" and d["kind"] == "malformed_json"
    )
    expected = checks.manifest()["expected"]["batch_001"]["pokemon_ids"]
    assert expected == 2 * course["expected"]["batch_001"]["pokemon_ids"]


def _run(engine: str, scale: int, seconds: float, rss: float = 500.0) -> dict:
    stages = {"bronze": seconds / 4, "silver": seconds / 2, "gold": seconds / 4}
    return {
        "engine": engine,
        "format": "delta" if engine == "sail" else "parquet",
        "scale": scale,
        "rows": 1857 * scale,
        "seconds": seconds,
        "stages": stages,
        "peak_rss_mb": rss,
        "services_peak_rss_mb": rss / 2,
        "ok": True,
        "errors": [],
    }


def test_report_shapes_runs_ratios_and_targets():
    runs = [
        _run("sail", 1, 10),
        _run("jvm-spark", 1, 20, 1000),
        _run("sail", 10, 12),
        _run("jvm-spark", 10, 48, 1500),
    ]
    course = {
        "seconds": 19.0,
        "lessons": {"01_x": 12.0, "02_y": 7.0},
        "ok": True,
        "errors": [],
        "peak_rss_mb": 900.0,
        "services_peak_rss_mb": 400.0,
    }
    report = bench_report.shape_report(
        runs, course, {"seconds": 0.9, "up_seconds": 0.5}, "", timing.machine_facts()
    )
    json.loads(json.dumps(report))  # JSON-ready
    assert [r["engine"] for r in report["runs"]] == ["sail", "jvm-spark", "sail", "jvm-spark"]
    assert report["ratios_vs_jvm"] == [
        {
            "scale": 1,
            "total": 2.0,
            "stages": {"bronze": 2.0, "silver": 2.0, "gold": 2.0},
            "peak_rss": 2.0,
        },
        {
            "scale": 10,
            "total": 4.0,
            "stages": {"bronze": 4.0, "silver": 4.0, "gold": 4.0},
            "peak_rss": 3.0,
        },
    ]
    assert report["targets_met"] == {
        "speedup_at_scale_10": True,
        "speedup_at_scale_100": None,  # scale 100 not run
        "course_seconds": True,
        "slowest_lesson_seconds": False,  # lesson 01 took 12 s
        "first_result_seconds": True,
        "services_peak_rss_mb_at_scale_100": None,
    }
    assert report["baseline"]["ran"] and "S3A" in report["baseline"]["note"]
    assert report["machine"]["cores"] >= 1
    assert report["machine"]["python_loop_seconds"] > 0  # measured (the bench judges it)


def test_the_median_run_stands_for_a_noisy_machine(capsys):
    from rich.console import Console

    runs = [{"seconds": 23.2, "lessons": {"06": 6.5}}, {"seconds": 18.9, "lessons": {"06": 5.1}}]
    runs.append({"seconds": 21.0, "lessons": {"06": 5.9}})
    median = timing.median_run(runs)
    assert median == {"seconds": 21.0, "lessons": {"06": 5.9}, "samples": [23.2, 18.9, 21.0]}
    first = timing.median_run([{"seconds": s, "up_seconds": 0.8} for s in (1.4, 1.0, 1.2)])
    assert first["seconds"] == 1.2

    report = {"course": None, "first_result": first, "targets": {}, "targets_met": {}}
    bench_report.print_course_and_targets(report, Console(width=200))
    assert "1.20 s (services up in 0.80 s); the median of 3 runs: 1.40, 1.00, 1.20 s" in (
        capsys.readouterr().out
    )


def test_report_without_baseline_says_why():
    report = bench_report.shape_report(
        [_run("sail", 1, 10)], None, None, "JVM baseline skipped: x", {}
    )
    assert report["ratios_vs_jvm"] == [] and not report["baseline"]["ran"]
    assert report["targets_met"]["speedup_at_scale_10"] is None
    assert report["baseline"]["note"] == "JVM baseline skipped: x"


def test_baseline_says_why_it_cannot_run(monkeypatch, tmp_path):
    monkeypatch.setenv("LAKEHOUSE_CACHE", str(tmp_path / "empty-cache"))
    reason = runs.jvm_unavailable()
    assert (
        reason.startswith("JVM baseline skipped:") and "lakehouse install --profile stack" in reason
    )


def test_kit_environment_restores_the_shell(monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "docker")
    monkeypatch.delenv("LAKEHOUSE_LANDING_DIR", raising=False)
    with runs.kit_environment(LAKEHOUSE_LANDING_DIR="/tmp/x"):
        assert (
            os.environ["LAKEHOUSE_LANDING_DIR"] == "/tmp/x"
            and "LAKEHOUSE_PROFILE" not in os.environ
        )
    assert os.environ["LAKEHOUSE_PROFILE"] == "docker" and "LAKEHOUSE_LANDING_DIR" not in os.environ


def test_rss_sampler_counts_each_process_once():
    me = psutil.Process()
    with memory.RssSampler(lambda: ([me], {"me": me}), interval=0.05) as sampler:
        pass
    # This process is both a root and a service: the total of one sample equals the services'
    # (it would be twice theirs if counted twice).
    assert sampler.peak_mb > 0
    assert sampler.services_peak_mb == sampler.peak_mb == sampler.by_service_mb["me"]


@pytest.mark.bench
@pytest.mark.services
@pytest.mark.course
def test_bench_scale_1_on_the_embedded_engine(kit_home, capsys):
    from lakehouse_kit.tools import cli as dev_cli

    with kit_home("bench"):
        argv = ["bench", "--scales", "1", "--json", "--no-baseline", "--no-course"]
        assert dev_cli.main(argv) == 0
    report = json.loads(capsys.readouterr().out)  # stdout holds the JSON alone
    (run,) = report["runs"]
    assert run["engine"] == "sail" and run["format"] == "delta" and run["scale"] == 1
    assert run["rows"] > 1000 and run["seconds"] > 0 and run["peak_rss_mb"] > 0
    assert set(run["stages"]) >= {"bronze", "silver"} and all(s > 0 for s in run["stages"].values())
    assert not report["baseline"]["ran"] and "skipped" in report["baseline"]["note"]


def test_generated_data_of_older_course_data_is_made_again(tmp_path):
    landing = runs.bench_data(1, tmp_path)
    manifest = landing.parent / "manifest.json"
    stale = {**json.loads(manifest.read_text()), "source": "older course data"}
    manifest.write_text(json.dumps(stale))
    (landing / "batch_001" / "pokemon.jsonl").write_text("a copy of older data\n")
    assert runs.bench_data(1, tmp_path) == landing
    assert json.loads(manifest.read_text())["source"] != "older course data"
    copied = (landing / "batch_001" / "pokemon.jsonl").read_bytes()
    assert copied == (checks.landing.landing_dir() / "batch_001" / "pokemon.jsonl").read_bytes()


def test_the_course_outcome_is_read_from_lakehouse_run_json():
    report = {
        "ok": False,
        "lessons": [
            {"lesson": "01_spark_and_storage", "seconds": 3.4, "ok": True, "error": ""},
            {"lesson": "02_bronze_landing", "seconds": 1.0, "ok": False, "error": "cell 3 ..."},
        ],
    }
    lessons, errors = timing.course_outcome(json.dumps(report))
    assert lessons == {"01_spark_and_storage": 3.4, "02_bronze_landing": 1.0}
    assert errors == ["02_bronze_landing failed in cell 3 ..."]
    # A command that stopped before its report: what it printed is the error.
    assert timing.course_outcome("No Spark Connect server answers.\n") == (
        {},
        ["lakehouse run: No Spark Connect server answers."],
    )


def test_the_bench_folder_leaves_the_learners_home_usable(kit_home):
    """The bench works inside the learner's home: afterwards `lakehouse up` still takes it."""
    from lakehouse_kit import home

    with kit_home("bench-inside") as settings:
        folder = runs.bench_home()
        (folder / "data").mkdir()
        assert folder.parent == settings.home
        assert home.claim(settings.home) == settings.home  # not refused as somebody else's

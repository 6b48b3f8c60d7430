"""Instructor sessions: verify the whole course before a workshop.

nox -s tests            the test suite (real S3, Spark and SQL servers)
nox -s lessons          every solution in order with papermill (-- 3 runs one lesson)
nox -s nbmake           the solution notebooks through nbmake
nox -s build_lessons    regenerate lessons/ and the .ipynb files from solutions/*.py
nox -s sync_check       fail if any notebook drifted from its source
nox -s lint             ruff check and ruff format --check
nox -s stack            the JVM stack natively: install, up, run the course, down
nox -s docker           the docker profile: compose up, run the course, compose down
nox -s bench            benchmark: Sail against the stack's JVM Spark (-- --scales 1,10,100)
nox -s bundle           a workshop bundle for this machine, the kit installed from it offline
"""

from __future__ import annotations

import nox

nox.options.sessions = ["sync_check", "lint", "tests"]
nox.options.reuse_existing_virtualenvs = True
PYTHON = "3.11"


def install_kit(session: nox.Session) -> None:
    session.install("-e", ".[dev]")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    install_kit(session)
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lessons(session: nox.Session) -> None:
    install_kit(session)
    lesson = session.posargs[0] if session.posargs else None
    session.run("lakehouse", "run", *(["--lesson", lesson] if lesson else []))


@nox.session(python=PYTHON)
def nbmake(session: nox.Session) -> None:
    """The solution notebooks through nbmake, apart from the test suite (which runs them with
    papermill): a CI step of its own. Their first notebook starts the servers; stopped after."""
    install_kit(session)
    try:
        session.run(
            "pytest",
            "--nbmake",
            "--nbmake-timeout=600",
            "-p",
            "no:cacheprovider",
            "solutions/",
            env={"JUPYTER_PREFER_ENV_PATH": "1"},
        )
    finally:
        session.run("lakehouse", "down")


@nox.session(python=PYTHON)
def build_lessons(session: nox.Session) -> None:
    install_kit(session)
    session.run("lakehouse-dev", "notebooks", "build")


@nox.session(python=PYTHON)
def sync_check(session: nox.Session) -> None:
    install_kit(session)
    session.run("lakehouse-dev", "notebooks", "check")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", "lakehouse_kit", "tests", "noxfile.py")
    session.run("ruff", "format", "--check", "lakehouse_kit", "tests", "noxfile.py")


@nox.session(python=PYTHON)
def stack(session: nox.Session) -> None:
    """The seed's stack as local processes (PostgreSQL, Hive Metastore, JVM Spark, Trino)."""
    install_kit(session)
    stack_env = {"LAKEHOUSE_PROFILE": "stack"}
    session.run("lakehouse", "install", env=stack_env)
    session.run("lakehouse", "up", env=stack_env)
    try:
        session.run("lakehouse", "run", env=stack_env)
    finally:
        session.run("lakehouse", "down", env=stack_env)


@nox.session(python=PYTHON)
def docker(session: nox.Session) -> None:
    """Needs Docker: bring the stack up, run every solution on the docker profile, bring it down."""
    install_kit(session)
    session.run("docker", "compose", "up", "-d", "--build", "--wait", external=True)
    try:
        session.run("lakehouse", "run", env={"LAKEHOUSE_PROFILE": "docker"})
    finally:
        session.run("docker", "compose", "down", external=True)


@nox.session(python=PYTHON)
def grade(session: nox.Session) -> None:
    """`lakehouse grade`: run and grade a room's notebooks (-- SUBMISSIONS [--out DIR] [--jobs N])."""
    install_kit(session)
    if not session.posargs:
        session.error("Name the submissions: nox -s grade -- SUBMISSIONS [--out DIR] [--jobs N]")
    session.run("lakehouse", "grade", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """`lakehouse-dev bench`: Sail against the stack's JVM Spark (-- --scales 1,10,100 --json)."""
    install_kit(session)
    session.run("lakehouse", "install", "--profile", "stack")
    session.run("lakehouse-dev", "bench", *session.posargs)


@nox.session(python=PYTHON)
def bundle(session: nox.Session) -> None:
    """`lakehouse-dev bundle` for this platform and Python: the kit installed from it with pip's
    --no-index into a fresh venv runs lesson 1; the stack's copy leaves nothing to install."""
    install_kit(session)
    session.run("pytest", "-m", "bundle", "tests/test_bundle.py", *session.posargs)

"""Instructor sessions: verify the whole course before a workshop.

    nox -s tests            the test suite (real S3, Spark and SQL servers)
    nox -s lessons          every solution in order with papermill (-- 3 runs one lesson)
    nox -s nbmake           the solution notebooks through nbmake
    nox -s build_lessons    regenerate lessons/ and the .ipynb files from solutions/*.py
    nox -s sync_check       fail if any notebook drifted from its source
    nox -s lint             ruff
    nox -s stack            the docker profile: compose up, run the course, compose down
    nox -s bench            benchmark against a JVM Spark baseline (own environment)
"""

from __future__ import annotations

from pathlib import Path

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
    install_kit(session)
    session.run("pytest", "--nbmake", "--nbmake-timeout=600", "-p", "no:randomly", "solutions/")


@nox.session(python=PYTHON)
def build_lessons(session: nox.Session) -> None:
    install_kit(session)
    session.run("python", "-m", "lakehouse_kit.notebooks", "build")


@nox.session(python=PYTHON)
def sync_check(session: nox.Session) -> None:
    install_kit(session)
    session.run("python", "-m", "lakehouse_kit.notebooks", "check")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", "lakehouse_kit", "tests", "noxfile.py")


@nox.session(python=PYTHON)
def stack(session: nox.Session) -> None:
    """Needs Docker: bring the stack up, run every solution on the docker profile, bring it down."""
    install_kit(session)
    session.run("docker", "compose", "up", "-d", "--build", "--wait", external=True)
    try:
        session.run("lakehouse", "run", env={"LAKEHOUSE_PROFILE": "docker"})
    finally:
        session.run("docker", "compose", "down", external=True)


JVM_ENV = ".nox/jvm_spark"  # the JVM baseline's own environment: the full pyspark wheel


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """`lakehouse bench` with the JVM Spark baseline (-- --scales 1,10,100 --json).

    The full `pyspark` wheel and the kit's `pyspark-client` both install the `pyspark` package,
    so the baseline's server runs from a second environment, made here (never at bench time)."""
    install_kit(session)
    python = f"{JVM_ENV}/bin/python"
    session.run("python", "-m", "venv", JVM_ENV)
    session.run(python, "-m", "pip", "install", "--quiet", "pyspark==4.2.0", external=True)
    session.run("lakehouse", "bench", *session.posargs,
                env={"LAKEHOUSE_JVM_PYTHON": str(Path(python).absolute())})  # not resolve(): that leaves the venv

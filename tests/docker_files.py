"""What the docker profile's files give each container, read without Docker.

Shared by tests/test_docker_stack.py (static checks) and tests/test_docker_natively.py (the
docker stack's scripts and settings run natively).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKER_DIR = ROOT / "docker"

_COMPOSE_VAR = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?-)(?P<default>[^}]*))?\}")


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def service(name: str) -> dict:
    return compose()["services"][name]


def environment(spec: dict) -> dict[str, str]:
    """A service's `environment:` as written (before interpolation)."""
    env = spec.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """What docker compose passes on: ${X:-default}, ${X-default} and ${X} from `env` (by
    default none, as without a .env file), `$$` as a literal `$`."""
    env = env or {}

    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, default = match.group("name", "op", "default")
        if op == ":-":
            return env.get(name) or default
        return env.get(name, default if op else "")

    return _COMPOSE_VAR.sub(one, value)


def container_env(name: str) -> dict[str, str]:
    """The environment compose gives a service's container (without a .env file)."""
    return {key: interpolate(value) for key, value in environment(service(name)).items()}


def mounted_files(name: str) -> dict[str, Path]:
    """The service's bind-mounted files: container path -> file of this repository."""
    mounted = {}
    for volume in service(name).get("volumes") or []:
        source, target = volume.split(":")[:2]
        if source.startswith("."):
            mounted[target] = ROOT / source
    return mounted


def select_jars():
    """docker/spark/select_jars.py, the filter both stacks run on Maven's resolution."""
    path = DOCKER_DIR / "spark" / "select_jars.py"
    spec = importlib.util.spec_from_file_location("select_jars", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

"""The `lakehouse` command, run for real as a subprocess against a home of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lakehouse_kit import services
from lakehouse_kit.settings import load_settings

pytestmark = pytest.mark.services  # `lakehouse up` starts the servers

STATUS_KEYS = {"profile", "spark", "s3", "services"}
S3_KEYS = {"endpoint", "region", "access_key", "secret_key", "bucket"}


@pytest.fixture(scope="module")
def cli_home(kit_home):
    """The home the `lakehouse` commands of these tests run in; whatever a failed test left
    running there is stopped at the end."""
    with kit_home("cli-home") as settings:
        yield settings.home


def lakehouse(home, *args: str, timeout: int = 120, **env: str) -> subprocess.CompletedProcess:
    """`lakehouse ARGS` in a subprocess for `home` on `local`, with `env` set and the shell's
    LAKEHOUSE_* variables left out."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
    # A wide console: rich must not wrap a fix across lines.
    full_env.update(
        {"LAKEHOUSE_HOME": str(home), "LAKEHOUSE_PROFILE": "local", "COLUMNS": "200", **env}
    )
    return subprocess.run(
        [sys.executable, "-m", "lakehouse_kit.cli", *args],
        check=False,
        env=full_env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def status(home) -> dict:
    result = lakehouse(home, "status", "--json", "--show-secrets")
    assert result.returncode == 0, output(result)
    return json.loads(result.stdout)


def client_from(report: dict):
    s3 = report["s3"]
    return boto3.client(
        "s3",
        endpoint_url=s3["endpoint"],
        aws_access_key_id=s3["access_key"],
        aws_secret_access_key=s3["secret_key"],
        region_name=s3["region"],
        config=Config(
            s3={"addressing_style": "path"}, connect_timeout=2, retries={"max_attempts": 1}
        ),
    )


def test_unknown_profile_exits_2_without_traceback(cli_home):
    result = lakehouse(cli_home, "status", LAKEHOUSE_PROFILE="nowhere")
    assert result.returncode == 2
    assert "Unknown profile 'nowhere'" in output(result)
    assert "LAKEHOUSE_PROFILE" in output(result)
    assert "Traceback" not in output(result)


def test_reset_without_yes_and_tty_refuses(cli_home):
    result = lakehouse(cli_home, "reset")
    assert result.returncode != 0
    assert "--yes" in output(result)
    assert "Traceback" not in output(result)


def test_up_then_status_json_with_working_endpoints(cli_home):
    up = lakehouse(cli_home, "up")
    assert up.returncode == 0, output(up)
    report = status(cli_home)
    assert STATUS_KEYS <= report.keys()
    assert report["profile"] == "local"
    assert set(report["spark"]) >= {"remote"}
    assert S3_KEYS <= report["s3"].keys()
    assert {s["name"] for s in report["services"]} == {"s3", "spark"}
    for svc in report["services"]:
        assert {"name", "pid", "running"} <= svc.keys()
        assert svc["running"] is True and isinstance(svc["pid"], int)

    client = client_from(report)
    assert isinstance(client.list_buckets()["Buckets"], list)
    spark_port = int(report["spark"]["remote"].rsplit(":", 1)[1])
    assert services.port_answers(spark_port, timeout=2)

    # `up` again is idempotent: same pids.
    assert lakehouse(cli_home, "up").returncode == 0
    assert [s["pid"] for s in status(cli_home)["services"]] == [
        s["pid"] for s in report["services"]
    ]


def test_doctor_passes_when_up(cli_home):
    assert lakehouse(cli_home, "up").returncode == 0
    result = lakehouse(cli_home, "doctor")
    text = output(result)
    assert result.returncode == 0, text
    assert "✗" not in text and "All checks passed." in text
    assert text.count("✓") >= 7  # python, ports, 2 services, S3, Spark, SQL
    assert "Traceback" not in text


def test_reset_yes_wipes_the_data(cli_home):
    assert lakehouse(cli_home, "up").returncode == 0
    report = status(cli_home)
    bucket, key = report["s3"]["bucket"], f"doomed/{uuid.uuid4().hex}.txt"
    client = client_from(report)
    try:
        client.create_bucket(Bucket=bucket)
    except ClientError:
        pass  # already there
    client.put_object(Bucket=bucket, Key=key, Body=b"bye")
    assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == b"bye"

    reset = lakehouse(cli_home, "reset", "--yes")
    assert reset.returncode == 0, output(reset)
    assert not any(s["running"] for s in status(cli_home)["services"])

    assert lakehouse(cli_home, "up").returncode == 0
    client = client_from(status(cli_home))
    with pytest.raises(ClientError) as info:
        client.get_object(Bucket=bucket, Key=key)
    assert info.value.response["Error"]["Code"] == "NoSuchKey"  # the bucket is there: `up` made it
    # A client that follows `lakehouse status` can write at once.
    client.put_object(Bucket=bucket, Key="hello.txt", Body=b"hi")


def test_down_twice_then_doctor_fails_with_the_fix(cli_home):
    assert lakehouse(cli_home, "up").returncode == 0
    pids = [s["pid"] for s in status(cli_home)["services"]]

    first = lakehouse(cli_home, "down")
    assert first.returncode == 0 and "Stopped" in first.stdout
    second = lakehouse(cli_home, "down")
    assert second.returncode == 0 and "Nothing was running" in second.stdout
    assert not any(s["running"] for s in status(cli_home)["services"])
    assert all(
        not services.port_answers(p) for p in {s["port"] for s in status(cli_home)["services"]}
    )
    import psutil

    assert not any(
        psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids
    )

    doctor = lakehouse(cli_home, "doctor")
    text = output(doctor)
    assert doctor.returncode != 0
    assert "lakehouse up" in text and "✗" in text
    assert "Traceback" not in text


def test_two_ups_at_once_both_succeed_with_one_set_of_servers(kit_home):
    """Two `lakehouse up` in one home at the same moment (a notebook and `lakehouse run`): the
    second waits for the first, then finds the servers up; neither fails."""
    with kit_home("two-ups") as settings:
        _two_ups(settings.home)


def _two_ups(home) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
    env.update({"LAKEHOUSE_HOME": str(home), "LAKEHOUSE_PROFILE": "local", "COLUMNS": "200"})
    command = [sys.executable, "-m", "lakehouse_kit.cli", "up"]
    ups = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [(up.wait(timeout=120), *up.communicate()) for up in ups]
    assert [code for code, _, _ in results] == [0, 0], results
    assert any("Waiting for `lakehouse up` (local)" in err for _, _, err in results), results
    report = status(home)
    assert all(s["running"] for s in report["services"])
    assert len({s["pid"] for s in report["services"]}) == 2


def test_status_masks_the_secret_unless_asked(cli_home):
    shown = lakehouse(cli_home, "status", "--json")
    secret = load_settings().s3_secret_key
    assert json.loads(shown.stdout)["s3"]["secret_key"] == "****"
    assert secret not in shown.stdout + lakehouse(cli_home, "status").stdout
    assert status(cli_home)["s3"]["secret_key"] == secret  # with --show-secrets


def test_up_refuses_a_home_of_someone_elses_and_reset_deletes_nothing(tmp_path):
    """LAKEHOUSE_HOME pointed at a folder holding a user's own `s3/`: nothing of it is used or
    deleted, and the message says what to do."""
    theirs = tmp_path / "theirs"
    (theirs / "s3").mkdir(parents=True)
    (theirs / "s3" / "notes.txt").write_text("mine")
    up = lakehouse(theirs, "up")
    assert up.returncode == 2 and "did not make" in up.stdout and "LAKEHOUSE_HOME" in up.stdout
    reset = lakehouse(theirs, "reset", "--yes")
    assert "Traceback" not in output(reset)
    assert (theirs / "s3" / "notes.txt").read_text() == "mine"


def test_an_empty_home_setting_means_the_default_home_not_the_current_folder(tmp_path):
    """`LAKEHOUSE_HOME="" lakehouse reset --yes` once wiped the `s3/` of the folder it ran in."""
    (tmp_path / "s3").mkdir()
    (tmp_path / "s3" / "notes.txt").write_text("mine")
    result = subprocess.run(
        [sys.executable, "-m", "lakehouse_kit.cli", "status", "--json"],
        env={**os.environ, "LAKEHOUSE_HOME": "", "LAKEHOUSE_PROFILE": "local"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    from lakehouse_kit.settings import PROJECT_ROOT

    assert json.loads(result.stdout)["home"] == str(PROJECT_ROOT / ".lakehouse")
    assert (tmp_path / "s3" / "notes.txt").exists()


@pytest.mark.course  # executes lesson 1
def test_run_json_prints_the_report_alone_and_notes_on_stderr(kit_home):
    import socket

    from lakehouse_kit.settings import LOCAL_PORTS

    with kit_home("run-json") as settings, socket.socket() as holder:
        try:  # another program listens on the S3 port: the kit moves and says so
            # (SO_REUSEADDR: a port left in TIME_WAIT by an earlier server is taken all the same)
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            holder.bind(("127.0.0.1", LOCAL_PORTS["local"]["s3"]))
            holder.listen()
        except OSError:
            pass  # already taken by someone else: the same case
        result = lakehouse(settings.home, "run", "--lesson", "1", "--json")
    report = json.loads(result.stdout)  # nothing but the report on stdout
    assert result.returncode == 0 and report["ok"], output(result)
    assert [run["lesson"] for run in report["lessons"]] == ["01_spark_and_storage"]
    assert report["summary"]["tables"] == {}  # lesson 1 writes files, no table
    assert f"Port {LOCAL_PORTS['local']['s3']} is taken" in result.stderr

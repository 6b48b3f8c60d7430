"""The home's rules, without servers: the kit uses and deletes only folders it made, and one
process at a time holds a home's (or the cache's) lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest

from lakehouse_kit import home
from lakehouse_kit.errors import KitError


def test_a_new_or_empty_folder_is_claimed_and_marked(tmp_path):
    fresh, empty = tmp_path / "fresh", tmp_path / "empty"
    empty.mkdir()
    for folder in (fresh, empty):
        assert home.claim(folder) == folder and home.is_marked(folder)
    assert home.claim(fresh) == fresh  # claiming again changes nothing


def test_the_course_runs_folder_leaves_a_fresh_home_the_kits(tmp_path):
    """`lakehouse run` in a new home makes runs/ before the services start: the home must be
    claimed first, or `up` refuses it as somebody else's."""
    from lakehouse_kit.runner import runs_dir
    from lakehouse_kit.settings import load_settings

    fresh = tmp_path / "new-home"
    runs = runs_dir(load_settings(home=str(fresh)))
    assert home.is_marked(fresh) and home.is_marked(runs)
    assert home.claim(fresh) == fresh


def test_a_foreign_folder_is_refused_and_left_alone(tmp_path):
    """A user's folder (their own `s3/` in it) is never used, so never wiped."""
    theirs = tmp_path / "theirs"
    (theirs / "s3").mkdir(parents=True)
    (theirs / "s3" / "thesis.tex").write_text("years of work")
    with pytest.raises(KitError) as error:
        home.claim(theirs)
    assert "LAKEHOUSE_HOME" in error.value.fix
    assert not home.is_marked(theirs)
    assert not home.removable(theirs / "s3", theirs)
    assert (theirs / "s3" / "thesis.tex").exists()


def test_a_home_of_an_earlier_kit_is_taken_over_with_its_folders(tmp_path):
    old = tmp_path / "old"
    (old / "run").mkdir(parents=True)
    (old / "run" / "ports.json").write_text("{}")
    (old / "s3").mkdir()
    home.claim(old)
    assert home.is_marked(old) and home.removable(old / "s3", old)


def test_only_marked_folders_in_a_marked_home_are_removable(tmp_path):
    kit = home.claim(tmp_path / "kit")
    made = home.claim(kit / "s3")
    stranger = kit / "photos"
    stranger.mkdir()
    assert home.removable(made, kit)
    assert not home.removable(stranger, kit)
    (tmp_path / "elsewhere").mkdir()
    outside = home.mark(tmp_path / "elsewhere")  # e.g. PostgreSQL's folder under /var/lib
    assert home.removable(outside, kit)
    assert not home.removable(tmp_path / "unmarked", kit)


def test_private_files_are_for_their_owner_only(tmp_path):
    path = home.write_private(tmp_path / "secret", "s3cr3t")
    assert path.read_text() == "s3cr3t"
    if sys.platform != "win32":
        assert path.stat().st_mode & 0o077 == 0


def test_the_lock_is_reentrant_in_one_process(tmp_path):
    with home.home_lock(tmp_path, "outer"):
        with home.home_lock(tmp_path, "inner"):  # reset holds it while it stops the services
            pass


def test_threads_take_the_lock_in_turn(tmp_path):
    inside, overlaps = [], []

    def work():
        with home.home_lock(tmp_path, "a thread"):
            inside.append(1)
            overlaps.append(len(inside))
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == [1, 1, 1, 1]


def test_a_second_process_waits_and_is_told_who_holds_the_lock(tmp_path):
    """A real second process: it hears who holds the lock, and gets it once it is free."""
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from lakehouse_kit import home
        began = time.monotonic()
        with home.home_lock(Path({str(tmp_path)!r}), "the second", on_wait=print):
            print(f"got it after {{time.monotonic() - began:.1f}} s")
        """
    )
    with home.home_lock(tmp_path, "`lakehouse up` (local)"):
        second = subprocess.Popen(
            [sys.executable, "-u", "-c", script], stdout=subprocess.PIPE, text=True
        )
        heard = second.stdout.readline()  # what it prints on finding the lock taken
        assert "Waiting for `lakehouse up` (local)" in heard, heard
        assert second.poll() is None, "the second process must wait for the lock"
    out, _ = second.communicate(timeout=30)
    assert "got it after" in out

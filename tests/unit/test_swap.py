"""generator/swap.py on temporary folders: staged folders swapped in together, the previous ones
kept when a build fails or dies before its journal, a dead build's swap finished from its
journal, and the staging folders of dead builds swept (those of running processes kept)."""

import json
import os
import signal
import subprocess
import sys

import pytest

from generator import swap


def dead_pid() -> int:
    """The id of a process that has surely ended (it ran, and was waited for)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not swap.alive(child.pid)
    return child.pid


@pytest.fixture
def running():
    """A process that runs for the whole test."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield child.pid
    child.kill()
    child.wait()


def folder(path, **files):
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).write_text(text)
    return path


def contents(path):
    return {p.name: p.read_text() for p in path.iterdir()}


def test_commit_swaps_every_folder_in_and_leaves_nothing_behind(tmp_path):
    folder(tmp_path / "results", **{"old.json": "old"})
    folder(tmp_path / "site", **{"index.html": "old site"})
    folder(tmp_path / "site-offline", **{"index.html": "stale offline"})
    staged = swap.stage(tmp_path, "results.new")
    assert staged.name == f".results.new-{os.getpid()}"
    (staged / "new.json").write_text("new")
    work = swap.stage(tmp_path, "site-build")
    folder(work / "site", **{"index.html": "new site"})
    folder(work / "site_src", **{"index.md": "new source"})

    swap.commit([(work / "site_src", tmp_path / "site_src"), (work / "site", tmp_path / "site"),
                 (None, tmp_path / "site-offline"), (staged, tmp_path / "results")])
    swap.discard(work)

    assert contents(tmp_path / "results") == {"new.json": "new"}
    assert contents(tmp_path / "site") == {"index.html": "new site"}
    assert contents(tmp_path / "site_src") == {"index.md": "new source"}  # had none before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "site", "site_src"]


def test_a_failure_midway_keeps_the_previous_folders(tmp_path):
    folder(tmp_path / "results", **{"general.json": "previous"})
    folder(tmp_path / "site", **{"index.html": "previous"})
    staged = swap.stage(tmp_path, "results.new")
    work = swap.stage(tmp_path, "site-build")
    with pytest.raises(RuntimeError):
        try:
            (staged / "general.json").write_text("new")
            folder(work / "site", **{"index.html": "half"})
            raise RuntimeError("mkdocs failed")  # before the commit
        except BaseException:
            swap.discard(work)
            swap.discard(staged)
            raise
    assert contents(tmp_path / "results") == {"general.json": "previous"}
    assert contents(tmp_path / "site") == {"index.html": "previous"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "site"]


def test_a_build_that_died_while_writing_its_journal_changed_nothing(tmp_path):
    pid = dead_pid()
    folder(tmp_path / "results", **{"general.json": "previous"})
    folder(tmp_path / f".results.new-{pid}", **{"general.json": "new"})
    (tmp_path / f".swap-{pid}").write_text('{"swaps": [[".results.new-')  # cut short
    swap.recover(tmp_path)
    assert contents(tmp_path / "results") == {"general.json": "previous"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


@pytest.mark.parametrize("renamed", [0, 1, 2, 3])
def test_recover_finishes_a_swap_whose_build_died_after_its_journal(tmp_path, renamed):
    """The build died after ``renamed`` of its renames (site aside, site in, results aside)."""
    pid = dead_pid()
    folder(tmp_path / "results", **{"general.json": "previous"})
    folder(tmp_path / "site", **{"index.html": "previous"})
    folder(tmp_path / f".results.new-{pid}", **{"general.json": "new"})
    folder(tmp_path / f".site-build-{pid}" / "site", **{"index.html": "new"})
    (tmp_path / f".swap-{pid}").write_text(json.dumps({"swaps": [
        [f".site-build-{pid}/site", "site"], [f".results.new-{pid}", "results"]]}))
    steps = [(tmp_path / "site", tmp_path / f".site.old-{pid}"),
             (tmp_path / f".site-build-{pid}" / "site", tmp_path / "site"),
             (tmp_path / "results", tmp_path / f".results.old-{pid}")]
    for source, destination in steps[:renamed]:
        os.replace(source, destination)

    swap.recover(tmp_path)

    assert contents(tmp_path / "results") == {"general.json": "new"}
    assert contents(tmp_path / "site") == {"index.html": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "site"]


def test_sweep_removes_staging_of_dead_builds_and_keeps_running_ones(tmp_path, running):
    dead = dead_pid()
    for name in ("results.new", "site-build"):
        folder(tmp_path / f".{name}-{dead}", **{"a": "dead"})
        folder(tmp_path / f".{name}-{running}", **{"a": "running"})
    # the same id as this process, but not made by it: a dead build's (ids are reused)
    folder(tmp_path / f".site-build-{os.getpid()}", **{"a": "dead"})
    ours = swap.stage(tmp_path, "results.new")
    (ours / "general.json").write_text("ours")
    folder(tmp_path / ".site-build-notapid")  # not a build's: left alone
    folder(tmp_path / "results")

    swap.recover(tmp_path)

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([
        f".results.new-{running}", f".site-build-{running}", ours.name,
        ".site-build-notapid", "results"])
    assert contents(ours) == {"general.json": "ours"}
    swap.discard(ours)


def test_a_live_build_swap_is_left_alone(tmp_path, running):
    folder(tmp_path / "results", **{"general.json": "previous"})
    folder(tmp_path / f".results.new-{running}", **{"general.json": "new"})
    journal = tmp_path / f".swap-{running}"
    journal.write_text(json.dumps({"swaps": [[f".results.new-{running}", "results"]]}))
    swap.recover(tmp_path)
    assert contents(tmp_path / "results") == {"general.json": "previous"}
    assert journal.exists() and (tmp_path / f".results.new-{running}").exists()


def test_remove_dead_partials(tmp_path, running):
    dead = dead_pid()
    folder(tmp_path / f"abc.partial-{dead}")
    folder(tmp_path / f"abc.partial-{running}")
    folder(tmp_path / f"def.partial-{os.getpid()}")  # a dead build's with this process's id
    folder(tmp_path / "abc")
    swap.remove_dead(tmp_path, "*.partial-*")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["abc", f"abc.partial-{running}"]


def test_targets_must_share_one_folder(tmp_path):
    staged = swap.stage(tmp_path, "results.new")
    with pytest.raises(ValueError):
        swap.commit([(staged, tmp_path / "sub" / "results")])
    with pytest.raises(ValueError):
        swap.stage(tmp_path, "elsewhere")
    swap.discard(staged)


def test_ctrl_c_during_the_renames_does_not_stop_them_halfway(tmp_path, monkeypatch):
    folder(tmp_path / "results", **{"general.json": "previous"})
    folder(tmp_path / "site", **{"index.html": "previous"})
    staged = swap.stage(tmp_path, "results.new")
    (staged / "general.json").write_text("new")
    work = swap.stage(tmp_path, "site-build")
    folder(work / "site", **{"index.html": "new"})
    replace = os.replace

    def interrupted(source, destination):
        replace(source, destination)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C after the first rename

    monkeypatch.setattr(os, "replace", interrupted)
    swap.commit([(work / "site", tmp_path / "site"), (staged, tmp_path / "results")])
    monkeypatch.undo()
    swap.discard(work)
    assert contents(tmp_path / "results") == {"general.json": "new"}
    assert contents(tmp_path / "site") == {"index.html": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "site"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C works again after the commit
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100):
            pass

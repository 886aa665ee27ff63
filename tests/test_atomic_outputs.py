"""Issue 18: a result folder is complete-old or complete-new, never a mix; a second
writer is refused; leftovers of killed runs are recovered or removed; writability is
checked before any work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from optimizer.cli import app
from optimizer.outputs.files import ResultFolder

ROOT = Path(__file__).resolve().parents[1]

# A run that writes a two-file result and is killed (os._exit, as SIGKILL: no cleanup)
# at the K-th step of the commit: a hard link, a rename, the exchange, a removal.
KILLED_RUN = textwrap.dedent(
    """
    import os, shutil, sys
    from pathlib import Path
    from optimizer.outputs import files

    out, tag, kill_at, fallback = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    calls = [0]

    def trap(fn):
        def wrapped(*a, **k):
            calls[0] += 1
            if calls[0] == kill_at:
                os._exit(9)
            return fn(*a, **k)
        return wrapped

    if fallback == "1":
        files.exchange = lambda a, b: False
    files.exchange = trap(files.exchange)
    for name in ("rename", "replace", "link", "unlink", "chmod"):
        setattr(os, name, trap(getattr(os, name)))
    shutil.rmtree = trap(shutil.rmtree)
    folder = files.ResultFolder.open(out, [], ["a.csv", "b.json"], "solve")
    folder.write_text("a.csv", tag)
    folder.write_text("b.json", tag)
    folder.commit()
    """
)


def run_killed(out: Path, tag: str, kill_at: int, fallback: bool) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-c", KILLED_RUN, str(out), tag, str(kill_at), "1" if fallback else "0"]
    return subprocess.run(args, env=env, cwd=ROOT, capture_output=True).returncode


def state(out: Path) -> str:
    """'old', 'new' or 'missing'; fails on a mixed folder."""
    if not out.exists():
        return "missing"
    tags = {(out / n).read_text() for n in ("a.csv", "b.json")}
    assert len(tags) == 1, f"mixed folder: {tags}"
    assert (out / "notes.txt").read_text() == "mine", "a file of the user was lost"
    return tags.pop()


@pytest.mark.parametrize("fallback", [False, True], ids=["exchange", "two renames"])
def test_a_kill_at_any_step_leaves_old_or_new(tmp_path: Path, fallback: bool) -> None:
    out = tmp_path / "out"
    folder = ResultFolder.open(out, [], ["a.csv", "b.json"], "solve")
    folder.write_text("a.csv", "old")
    folder.write_text("b.json", "old")
    folder.commit()
    (out / "notes.txt").write_text("mine")
    seen = []
    for k in range(1, 40):
        code = run_killed(out, "new", k, fallback)
        now = state(out)
        if now == "missing":
            # only between the two renames of the fallback; the next run puts it back
            assert fallback
            ResultFolder.open(out, [], [], "other").abort()
            now = state(out)
            assert now == "old"
        seen.append(now)
        # the next run cleans what the killed one left, and the folder is whole
        again = ResultFolder.open(out, [], ["a.csv", "b.json"], "solve")
        again.abort()
        left = sorted(p.name for p in tmp_path.iterdir() if p.name != "out")
        assert all(n.endswith(".manifest.json") for n in left), left
        assert state(out) == now
        if code == 0:
            break
        assert code == 9
        # put the old result back for the next kill point
        folder = ResultFolder.open(out, [], ["a.csv", "b.json"], "solve")
        folder.write_text("a.csv", "old")
        folder.write_text("b.json", "old")
        folder.commit()
    assert seen[-1] == "new" and "old" in seen, seen
    assert len(seen) >= 4, "the kill points were not reached"


def test_solve_killed_at_the_swap_keeps_the_old_result(tiny, tmp_path: Path, runner) -> None:
    """The CLI itself, killed at the exchange: the earlier complete result stays."""
    out = tmp_path / "out"
    assert runner.invoke(app, ["solve", str(tiny), "--budget", "50", "--no-sensitivity",
                               "-o", str(out)]).exit_code == 0  # fmt: skip
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    script = textwrap.dedent(
        """
        import os, sys
        from optimizer.outputs import files
        files.exchange = lambda a, b: os._exit(9)
        from optimizer.entry import main
        sys.argv = ["monotowns", *sys.argv[1:]]
        main()
        """
    )
    args = [sys.executable, "-c", script, "solve", str(tiny), "--budget", "90",
            "--no-sensitivity", "-o", str(out)]  # fmt: skip
    res = subprocess.run(args, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True)
    assert res.returncode == 9
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    res = runner.invoke(app, ["solve", str(tiny), "--budget", "90", "--no-sensitivity",
                              "-o", str(out)])  # fmt: skip
    assert res.exit_code == 0
    assert json.loads((out / "summary.json").read_text())["budget_mln"] == 90
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_infeasible_run_removes_the_stale_allocation(tiny, tmp_path: Path, runner) -> None:
    """G1: an infeasible solve replaces the whole earlier result."""
    out = tmp_path / "out"
    assert runner.invoke(app, ["solve", str(tiny), "-o", str(out)]).exit_code == 0
    (out / "notes.txt").write_text("mine")
    res = runner.invoke(app, ["solve", str(tiny), "-s", "infeasible", "-o", str(out)])
    assert res.exit_code == 3
    shown = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert shown == ["notes.txt", "summary.json"]
    assert json.loads((out / "summary.json").read_text())["status"] == "infeasible"


def test_other_commands_results_are_kept(tiny, tmp_path: Path, runner) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, ["solve", str(tiny), "-o", str(out)]).exit_code == 0
    assert runner.invoke(app, ["sweep", str(tiny), "--budget", "20:90:2", "-o",
                               str(out)]).exit_code == 0  # fmt: skip
    assert {"allocation.csv", "summary.json", "sweep.csv"} <= {p.name for p in out.iterdir()}


def test_a_second_writer_is_refused(tiny, tmp_path: Path, runner) -> None:
    out = tmp_path / "out"
    holder = ResultFolder.open(out, [], ["allocation.csv"], "solve")
    try:
        res = runner.invoke(app, ["solve", str(tiny), "-o", str(out)])
        assert res.exit_code == 2, res.output
        assert f"another monotowns run (pid {os.getpid()}) is writing to this folder" in res.output
        assert len(res.output.strip().splitlines()) == 1
    finally:
        holder.abort()
    assert runner.invoke(app, ["solve", str(tiny), "-o", str(out)]).exit_code == 0


def test_unwritable_out_is_refused_before_any_work(tiny, tmp_path, runner, monkeypatch) -> None:
    """H1: exit 2 with one line, and no LP is built."""
    import optimizer.lp.engine as engine

    def no_work(*a, **k):
        raise AssertionError("work started before --out was checked")

    monkeypatch.setattr(engine.Engine, "open", no_work)
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    res = runner.invoke(app, ["solve", str(tiny), "-o", str(blocker / "sub")])
    assert res.exit_code == 2, res.output
    assert "cannot create the folder" in res.output or "not a folder" in res.output
    out = tmp_path / "ro"
    out.mkdir()
    real = os.access
    monkeypatch.setattr(
        os, "access", lambda p, m, **k: not (Path(p) == out and m & os.W_OK) and real(p, m, **k)
    )
    res = runner.invoke(app, ["solve", str(tiny), "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert "not writable" in res.output, res.output
    assert len(res.output.strip().splitlines()) == 1


def test_out_at_the_current_folder_is_refused(tiny, tmp_path, runner, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["solve", str(tiny), "-o", "."])
    assert res.exit_code == 2
    assert "current folder" in res.output

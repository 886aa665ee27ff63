"""Issue 26, item 1: `--out` writes and removes only its own files. A file is replaced or
removed only if the folder's manifest says a run of ours wrote it and it is unchanged;
anything else in the way is refused (exit 2, naming it), anything else is kept. An
instance is never a result folder; a mount point, a read-only parent and a closed
pipe are answered with the result written or one line saying why."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer.cli import app

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny"
TINY_PROJECTS = ROOT / "tests" / "data" / "tiny-projects"
ENTRY = "from optimizer.entry import main; import sys; sys.argv[0] = 'monotowns'; main()"


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def one_line(output: str) -> str:
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert len(lines) == 1, output
    return lines[0]


def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any solve from here on fails the test: the refusal must come first."""
    import optimizer.lp.engine as engine

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("work started before --out was checked")

    monkeypatch.setattr(engine.Engine, "open", refuse)


def solve(runner, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["solve", str(TINY), "--no-sensitivity", *extra, "-o", str(out)])


# ----------------------------------------------------------------------------- instances


def test_l1_out_onto_another_instance_is_refused(tmp_path: Path, runner) -> None:
    """L1: the other instance's projects.csv was deleted and the run said nothing."""
    other = tmp_path / "synthetic-projects"
    shutil.copytree(TINY_PROJECTS, other)
    before = files_under(other)
    res = solve(runner, other)
    assert res.exit_code == 2, res.output
    line = one_line(res.output)
    assert "is an instance folder (it has instance.toml)" in line and str(other) in line
    assert files_under(other) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["synthetic-projects"]


@pytest.mark.parametrize("sub", ["actual", "results", "scenarios/new"])
def test_l4_out_inside_an_instance_is_refused(tiny_copy: Path, runner, sub: str) -> None:
    """L4: results landed in actual/ and a manifest in the instance's root."""
    before = files_under(tiny_copy)
    res = solve(runner, tiny_copy / sub)
    assert res.exit_code == 2, res.output
    assert "inside the instance folder" in one_line(res.output)
    assert files_under(tiny_copy) == before
    assert not (tiny_copy / "results").exists() and not (tiny_copy / "scenarios" / "new").exists()
    assert runner.invoke(app, ["validate", str(tiny_copy)]).exit_code == 0


# ----------------------------------------------------------------------------- not ours


def test_l2_a_users_files_not_in_the_way_are_kept(tmp_path: Path, runner) -> None:
    """L2: ranges.csv, projects.csv and allocation.xlsx of the user's own were deleted
    although this run writes only allocation.csv and summary.json."""
    docs = tmp_path / "docs"
    docs.mkdir()
    mine = {"ranges.csv": b"my ranges\n", "projects.csv": b"my projects\n",
            "allocation.xlsx": b"my workbook"}  # fmt: skip
    for name, data in mine.items():
        (docs / name).write_bytes(data)
    res = solve(runner, docs)
    assert res.exit_code == 0, res.output
    for name, data in mine.items():
        assert (docs / name).read_bytes() == data, name
    assert (docs / "allocation.csv").exists() and (docs / "summary.json").exists()
    # a second run, which may write any of those names, still keeps them
    assert solve(runner, docs).exit_code == 0
    for name, data in mine.items():
        assert (docs / name).read_bytes() == data, name


def test_l2_a_users_file_in_the_way_is_refused(tmp_path: Path, runner) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "allocation.csv").write_text("my own allocation\n")
    res = solve(runner, docs)
    assert res.exit_code == 2, res.output
    line = one_line(res.output)
    assert str(docs / "allocation.csv") in line and "did not write" in line
    assert files_under(docs) == {"allocation.csv": b"my own allocation\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs"]


def test_l3_a_users_folder_named_like_an_output_is_refused(tmp_path: Path, runner) -> None:
    """L3: res/allocation.csv/, a folder of the user's, was deleted with its file."""
    res_dir = tmp_path / "res"
    (res_dir / "allocation.csv").mkdir(parents=True)
    (res_dir / "allocation.csv" / "note.txt").write_text("keep me")
    out = solve(runner, res_dir)
    assert out.exit_code == 2, out.output
    line = one_line(out.output)
    assert str(res_dir / "allocation.csv") in line and "a folder" in line
    assert files_under(res_dir) == {"allocation.csv/note.txt": b"keep me"}


def test_an_output_of_ours_changed_since_is_not_replaced(tmp_path: Path, runner) -> None:
    out = tmp_path / "out"
    assert solve(runner, out).exit_code == 0
    assert solve(runner, out, "--budget", "90").exit_code == 0  # ours, unchanged: replaced
    (out / "allocation.csv").write_text("edited by hand\n")
    res = solve(runner, out)
    assert res.exit_code == 2, res.output
    assert "changed" in one_line(res.output)
    assert (out / "allocation.csv").read_text() == "edited by hand\n"


def test_ranges_of_ours_are_removed_when_no_longer_written(tmp_path: Path, runner) -> None:
    out = tmp_path / "out"
    assert solve(runner, out, "--ranges").exit_code == 0
    assert (out / "ranges.csv").exists()
    assert solve(runner, out).exit_code == 0
    assert not (out / "ranges.csv").exists()


def test_s7_a_moved_report_rerun_without_actual_drops_the_stale_figure(
    tmp_path: Path, runner
) -> None:
    """S7: report-compare.png of the run with --actual stayed beside the new report."""
    first = tmp_path / "first"
    res = runner.invoke(app, ["report", str(TINY), "--actual", "spend", "--points", "3",
                              "--out", str(first)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (first / "report-compare.png").exists()
    (first / "notes.txt").write_text("mine")
    moved = tmp_path / "moved"
    first.rename(moved)
    res = runner.invoke(app, ["report", str(TINY), "--points", "3", "--out", str(moved)])
    assert res.exit_code == 0, res.output
    assert not (moved / "report-compare.png").exists()
    assert (moved / "report.html").exists()
    assert (moved / "notes.txt").read_text() == "mine"


# ----------------------------------------------------------------------------- the folder itself


def test_a_mount_point_is_refused_before_any_work(tmp_path, runner, monkeypatch) -> None:
    """A mount point cannot be renamed: the run did all the work, said "wrote ..." and
    ended with an OSError (exit 1). Simulated: `ismount` says so and the swap fails."""
    mount = tmp_path / "usb"
    mount.mkdir()
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == mount or real(p))
    no_work(monkeypatch)
    res = solve(runner, mount)
    assert res.exit_code == 2, res.output
    line = one_line(res.output)
    assert "mount point" in line and str(mount / "results") in line
    assert list(mount.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["usb"]


def test_a_real_mount_point(tmp_path: Path) -> None:
    """The same with a tmpfs, where the machine lets us mount one."""
    mount = tmp_path / "usb"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "none", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        res = subprocess.run(
            [sys.executable, "-c", ENTRY, "solve", str(TINY), "--no-sensitivity", "-o",
             str(mount)],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        )  # fmt: skip
        assert res.returncode == 2, res.stderr
        assert "mount point" in one_line(res.stderr)
        assert "Traceback" not in res.stderr
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_writable_folder_in_a_read_only_parent_says_why(tmp_path, runner, monkeypatch) -> None:
    """The staging folder and the lock live beside the folder: its parent must be
    writable too, and the line says so and names a folder that would do."""
    parent = tmp_path / "shared"
    out = parent / "mine"
    out.mkdir(parents=True)
    real = os.access
    monkeypatch.setattr(
        os, "access", lambda p, m, **k: not (Path(p) == parent and m & os.W_OK) and real(p, m, **k)
    )
    no_work(monkeypatch)
    res = solve(runner, out)
    assert res.exit_code == 2, res.output
    line = one_line(res.output)
    assert f"{parent} is not writable" in line and str(out / "results") in line
    assert sorted(p.name for p in parent.iterdir()) == ["mine"]


def test_a_failed_swap_is_one_line_and_keeps_the_old_result(tmp_path, runner, monkeypatch) -> None:
    """Whatever the file system refuses at the swap (EBUSY, EXDEV...), the old result
    stays and the run says so in one line, exit 1, without a traceback."""
    from optimizer.outputs import files

    out = tmp_path / "out"
    assert solve(runner, out).exit_code == 0
    before = files_under(out)

    def busy(a: Path, b: Path) -> bool:
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(b))

    monkeypatch.setattr(files, "exchange", busy)
    res = solve(runner, out, "--budget", "90")
    assert res.exit_code == 1, res.output
    line = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert len(line) == 1 and "could not be put in place" in line[0], res.output
    assert "internal error" not in res.output
    assert files_under(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_closed_pipe_still_writes_the_result(tmp_path: Path) -> None:
    """`... --out D | head -1`: the reader leaves, the run ended with exit 1, no
    message, and no result. Now the files are written and the exit is quiet."""
    out = tmp_path / "D"
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "solve", str(TINY), "--no-sensitivity", "-o", str(out)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.close()  # the reader is gone before the first line
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert err.strip().splitlines()[-1].startswith("wrote allocation.csv, summary.json"), err
    assert (out / "allocation.csv").exists() and (out / "summary.json").exists()

"""Writing results: `ResultFolder` writes a command's files into a staging folder
beside `--out` and swaps it in whole (complete-old or complete-new, a manifest per
command, a lock against a second writer, leftovers of killed runs recovered), never
over an input file.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import errno
import fcntl
import hashlib
import io
import json
import os
import shutil
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.domain.instance import Instance
from optimizer.domain.scenario import Scenario
from optimizer.errors import InfeasibleError, InstanceError


def input_files(
    instance: Instance, scenario: Scenario | None = None, extra: Iterable[Path] = ()
) -> list[Path]:
    files = [instance.path / f for f in instance.files]
    files += list((instance.path / "scenarios").glob("*.toml"))
    files += list((instance.path / "actual").glob("*"))
    if scenario is not None and scenario.path is not None:
        files.append(scenario.path)
    if scenario is not None and scenario.baseline_path is not None:
        files.append(scenario.baseline_path)
    files += list(extra)
    return [f.resolve() for f in files]


class ResultFolder:
    """One run's results, written into a staging folder and swapped in whole.

    Open with `ResultFolder.open` (or `result_folder`) before any work: it checks that
    the folder can be written (exit 2 otherwise), takes the lock and cleans leftovers.
    `names` are every file the command may write: they never land on an input, and
    the earlier ones are removed by `commit` whether or not this run writes them."""

    def __init__(self, path: Path, inputs: list[Path], names: Iterable[str], command: str) -> None:
        self.path = Path(path)
        self.final = self.path.resolve()
        self.inputs = set(inputs)
        self.names = list(names)
        self.command = command
        key = hashlib.sha1(str(self.final).encode()).hexdigest()[:12]
        self.prefix = f".monotowns-{key}"
        self.parent = self.final.parent
        self.staging = self.parent / f"{self.prefix}.partial-{os.getpid()}"
        self.manifest_path = self.parent / f"{self.prefix}.manifest.json"
        self.written: list[str] = []
        self.lock_fd: int | None = None
        self.created: list[Path] = []

    @classmethod
    def open(
        cls, path: Path, inputs: list[Path], names: Iterable[str], command: str
    ) -> ResultFolder:
        folder = cls(path, inputs, names, command)
        try:
            folder.prepare()
        except BaseException:
            folder.abort()
            raise
        return folder

    # -------------------------------------------------------------- before any work

    def refuse(self, why: str) -> InstanceError:
        return InstanceError(f"--out {self.path}: {why}")

    def prepare(self) -> None:
        existing = next(p for p in [self.parent, *self.parent.parents] if p.is_dir())
        try:
            limit = os.pathconf(existing, "PC_NAME_MAX")
        except (OSError, ValueError):
            limit = 255
        for part in self.final.parts:
            if len(os.fsencode(part)) > limit:
                raise self.refuse(f"a name is longer than {limit} bytes, the file system's limit")
        if self.final.exists() and not self.final.is_dir():
            raise self.refuse("exists and is not a folder")
        for n in self.names:
            self.target(n)
        cwd = Path.cwd().resolve()
        if self.final == cwd or self.final in cwd.parents:
            raise self.refuse(
                "is the current folder or holds it; results are swapped in as one "
                "folder, so give a subfolder (e.g. --out results)"
            )
        if self.final.is_dir() and not os.access(self.final, os.W_OK | os.X_OK):
            raise self.refuse("the folder is not writable")
        self.make_parents()
        self.lock()
        self.recover()
        try:
            self.staging.mkdir()
        except OSError as e:
            raise self.refuse(f"cannot write in {self.parent} ({e.strerror})") from None

    def make_parents(self) -> None:
        missing = [p for p in [self.parent, *self.parent.parents] if not p.exists()]
        for p in reversed(missing):
            try:
                p.mkdir()
            except FileExistsError:
                continue
            except OSError as e:
                raise self.refuse(f"cannot create the folder {p} ({e.strerror})") from None
            self.created.append(p)
        if not self.parent.is_dir():
            raise self.refuse(f"{self.parent} is not a folder")

    def lock(self) -> None:
        """flock on a file beside the folder; refuse at once if another run holds it."""
        path = self.parent / f"{self.prefix}.lock"
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise self.refuse(f"cannot write in {self.parent} ({e.strerror})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
                os.close(fd)
                raise self.refuse(
                    f"another monotowns run (pid {holder}) is writing to this folder; wait "
                    "for it to finish or give another --out"
                ) from None
            # The file may have been unlinked by the run that held it just before:
            # then this lock guards nothing, so take the lock on the current file.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.lock_fd = fd
        self.lock_path = path

    def recover(self) -> None:
        """Leftovers of killed runs (we hold the lock, so no run is using them): put an
        old folder back if a kill came between the two renames, delete the rest."""
        leftovers = sorted(self.parent.glob(f"{self.prefix}.*-*"))
        old = [p for p in leftovers if ".old-" in p.name and p.is_dir()]
        if old and not self.final.exists():
            os.rename(old[0], self.final)
        for p in leftovers:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            elif p.exists():
                p.unlink(missing_ok=True)

    # -------------------------------------------------------------- writing

    def target(self, name: str) -> Path:
        target = self.final / name
        if target.resolve() in self.inputs:
            raise self.refuse(f"would overwrite the input file {target.resolve()}")
        return target

    def check(self, names: Iterable[str]) -> None:
        for n in names:
            self.target(n)

    def write_bytes(self, name: str, data: bytes) -> Path:
        self.target(name)
        with (self.staging / name).open("wb") as fh:
            fh.write(data)
        os.chmod(self.staging / name, 0o666 & ~UMASK)
        if name not in self.written:
            self.written.append(name)
        return self.final / name

    def write_text(self, name: str, text: str) -> Path:
        return self.write_bytes(name, text.encode("utf-8"))

    def write_json(self, name: str, doc: Any) -> Path:
        return self.write_text(name, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")

    def write_csv(self, name: str, header: list[str], rows: Iterable[Iterable[Any]]) -> Path:
        return self.write_text(name, csv_text(header, rows))

    # -------------------------------------------------------------- the swap

    def commit(self) -> None:
        """Carry over what this run does not replace, swap, then record the manifest."""
        manifest: dict[str, list[str]] = {}
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                manifest = {str(k): [str(n) for n in v] for k, v in loaded.items()
                            if isinstance(v, list)}  # fmt: skip
        if self.final.is_dir():
            stale = set(manifest.get(self.command, ())) | set(self.names)
            for entry in os.scandir(self.final):
                if entry.name not in stale and entry.name not in self.written:
                    carry(Path(entry.path), self.staging / entry.name)
        else:
            manifest = {}
        manifest.pop(self.command, None)
        if self.written:
            manifest[self.command] = sorted(self.written)
        if not self.final.exists():
            if any(self.staging.iterdir()):
                os.rename(self.staging, self.final)
        else:
            os.chmod(self.staging, stat.S_IMODE(self.final.stat().st_mode))
            if exchange(self.staging, self.final):
                shutil.rmtree(self.staging)  # now the old folder
            else:
                aside = self.parent / f"{self.prefix}.old-{os.getpid()}"
                os.rename(self.final, aside)
                os.rename(self.staging, self.final)
                shutil.rmtree(aside)
        self.write_manifest(manifest if self.final.exists() else {})
        self.finish()

    def write_manifest(self, manifest: dict[str, list[str]]) -> None:
        """After the swap: it only names files for a later run to remove, so a kill
        before it costs at most a stale file of another name, never a mixed folder."""
        if not manifest:
            self.manifest_path.unlink(missing_ok=True)
            return
        tmp = self.parent / f"{self.prefix}.manifest-{os.getpid()}"
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.manifest_path)

    def abort(self) -> None:
        """Leave `--out` as it was: drop the staging folder and what `open` created."""
        shutil.rmtree(self.staging, ignore_errors=True)
        for p in reversed(self.created):
            with contextlib.suppress(OSError):
                p.rmdir()
        self.finish()

    def finish(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        if self.lock_fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.lock_path)
            os.close(self.lock_fd)
            self.lock_fd = None


@contextlib.contextmanager
def result_folder(
    path: Path | None, inputs: list[Path], names: Iterable[str], command: str
) -> Iterator[ResultFolder | None]:
    """A `ResultFolder` for `--out` (None without it), committed when the block ends
    normally or with an infeasible scenario (its results replace the stale ones), and
    left untouched by any other error or an interrupt."""
    if path is None:
        yield None
        return
    folder = ResultFolder.open(path, inputs, names, command)
    try:
        yield folder
    except InfeasibleError:
        folder.commit()
        raise
    except BaseException:
        folder.abort()
        raise
    folder.commit()


def carry(src: Path, dst: Path) -> None:
    """Bring an entry of the old folder into the new one without copying its bytes."""
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
    elif src.is_dir():
        shutil.copytree(src, dst, symlinks=True, copy_function=link_or_copy)
    else:
        link_or_copy(str(src), str(dst))


def link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


RENAME_EXCHANGE = 2
AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where that is not available."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    if fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = current_umask()


def fmt_cell(v: Any) -> Any:
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, float | np.floating):
        return f"{float(v):.10g}"
    return v


def csv_text(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([fmt_cell(v) for v in r])
    return buf.getvalue()

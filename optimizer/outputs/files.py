"""Writing results: `ResultFolder` writes a command's files into a staging folder
beside `--out` and swaps it in whole (complete-old or complete-new, a lock against a
second writer, leftovers of killed runs recovered), never over an input file and
never over a file it did not write.

The folder's manifest (`.monotowns-manifest.json`, inside it, so it moves with the
folder and is swapped in with the files it names) records each command's files
and their checksums. A file is replaced or removed only if the manifest says a run
of ours wrote it and its checksum still matches; anything else in the way is
refused (exit 2, naming it), anything else is kept.
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
from optimizer.errors import InfeasibleError, InstanceError, OptimizerError
from optimizer.i18n import _

MANIFEST = ".monotowns-manifest.json"
INSTANCE_FILE = "instance.toml"
Manifest = dict[str, dict[str, str]]
"""command -> {file name -> sha256 of the bytes that run wrote}"""


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
    the earlier ones of ours are removed by `commit` whether or not this run writes
    them (a file of that name that is not ours is kept)."""

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
        self.written: list[str] = []
        self.sums: dict[str, str] = {}
        self.manifest: Manifest = {}
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
                raise self.refuse(
                    _("a name is longer than {limit} bytes, the file system's limit").format(
                        limit=limit
                    )
                )
        if self.final.exists() and not self.final.is_dir():
            raise self.refuse(_("exists and is not a folder"))
        for n in self.names:
            self.target(n)
        self.check_not_an_instance()
        cwd = Path.cwd().resolve()
        if self.final == cwd or self.final in cwd.parents:
            raise self.refuse(
                _(
                    "is the current folder or holds it; results are swapped in as one "
                    "folder, so give a subfolder (e.g. --out results)"
                )
            )
        self.check_swappable()
        self.make_parents()
        self.lock()
        self.recover()
        self.manifest = self.read_manifest()
        try:
            self.staging.mkdir()
        except OSError as e:
            raise self.refuse(
                _("cannot write in {folder} ({why})").format(folder=self.parent, why=e.strerror)
            ) from None

    def check_not_an_instance(self) -> None:
        """An instance folder (one with instance.toml) holds inputs only: results written
        into it, or onto it, would be read back as its files or make it invalid."""
        if (self.final / INSTANCE_FILE).exists():
            raise self.refuse(
                _(
                    "is an instance folder (it has {file}); results go to a folder of "
                    "their own outside it (e.g. --out results)"
                ).format(file=INSTANCE_FILE)
            )
        for p in self.final.parents:
            if (p / INSTANCE_FILE).exists():
                raise self.refuse(
                    _(
                        "is inside the instance folder {instance}; results go to a folder "
                        "of their own outside it (e.g. --out results)"
                    ).format(instance=p)
                )

    def check_swappable(self) -> None:
        """The folder is replaced by a rename in its parent: a mount point cannot be
        renamed, and the parent must take the staging folder, even when the folder
        itself is writable. Said before any work, with a folder that would do."""
        inside = self.path / "results"
        if self.final.is_dir() and os.path.ismount(self.final):
            raise self.refuse(
                _(
                    "is a mount point, and results are swapped in as one folder by a "
                    "rename, which a mount point cannot take; give a folder inside it "
                    "(e.g. --out {inside})"
                ).format(inside=inside)
            )
        if self.final.is_dir() and not os.access(self.final, os.W_OK | os.X_OK):
            raise self.refuse(_("the folder is not writable"))
        if self.parent.is_dir() and not os.access(self.parent, os.W_OK | os.X_OK):
            if self.final.is_dir():
                raise self.refuse(
                    _(
                        "results are written beside the folder, in {parent}, and swapped "
                        "in as one; {parent} is not writable, so give a folder inside it "
                        "(e.g. --out {inside})"
                    ).format(parent=self.parent, inside=inside)
                )
            raise self.refuse(
                _("cannot create the folder in {parent}: it is not writable").format(
                    parent=self.parent
                )
            )

    def make_parents(self) -> None:
        missing = [p for p in [self.parent, *self.parent.parents] if not p.exists()]
        for p in reversed(missing):
            try:
                p.mkdir()
            except FileExistsError:
                continue
            except OSError as e:
                raise self.refuse(
                    _("cannot create the folder {folder} ({why})").format(folder=p, why=e.strerror)
                ) from None
            self.created.append(p)
        if not self.parent.is_dir():
            raise self.refuse(_("{folder} is not a folder").format(folder=self.parent))

    def lock(self) -> None:
        """flock on a file beside the folder; refuse at once if another run holds it."""
        path = self.parent / f"{self.prefix}.lock"
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise self.refuse(
                    _("cannot write in {folder} ({why})").format(folder=self.parent, why=e.strerror)
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
                os.close(fd)
                raise self.refuse(
                    _(
                        "another monotowns run (pid {pid}) is writing to this folder; wait "
                        "for it to finish or give another --out"
                    ).format(pid=holder)
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

    def read_manifest(self) -> Manifest:
        """The folder's manifest; unreadable or malformed: nothing is known to be ours."""
        try:
            loaded = json.loads((self.final / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        commands = loaded.get("commands") if isinstance(loaded, dict) else None
        if not isinstance(commands, dict):
            return {}
        return {
            str(command): {str(n): str(s) for n, s in files.items()}
            for command, files in commands.items()
            if isinstance(files, dict)
        }

    # -------------------------------------------------------------- ours or not

    def recorded(self, name: str) -> set[str]:
        """The checksums the manifest gives for `name`, by any command."""
        return {files[name] for files in self.manifest.values() if name in files}

    def is_ours(self, entry: Path) -> bool:
        """A plain file an earlier run of ours wrote and nobody changed since."""
        sums = self.recorded(entry.name)
        if not sums or entry.is_symlink() or not entry.is_file():
            return False
        try:
            return sha256_of(entry) in sums
        except OSError:
            return False

    def check_way(self, name: str) -> None:
        """Refuse (exit 2) to put a file where something that is not ours stands."""
        there = self.final / name
        if not (there.exists() or there.is_symlink()) or self.is_ours(there):
            return
        if there.is_dir() and not there.is_symlink():
            why = _(
                "{path} is a folder that monotowns did not write; this run writes {name} "
                "there, so move it away or give another --out"
            )
        else:
            why = _(
                "{path} is a file that monotowns did not write (or that was changed since); "
                "this run writes {name} there, so move it away or give another --out"
            )
        raise self.refuse(why.format(path=there, name=name))

    # -------------------------------------------------------------- writing

    def target(self, name: str) -> Path:
        target = self.final / name
        if target.resolve() in self.inputs:
            raise self.refuse(
                _("would overwrite the input file {path}").format(path=target.resolve())
            )
        return target

    def check(self, names: Iterable[str]) -> None:
        for n in names:
            self.target(n)

    def write_bytes(self, name: str, data: bytes) -> Path:
        self.target(name)
        self.check_way(name)
        with (self.staging / name).open("wb") as fh:
            fh.write(data)
        os.chmod(self.staging / name, 0o666 & ~UMASK)
        self.sums[name] = hashlib.sha256(data).hexdigest()
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
        """Carry over what this run does not replace, record the manifest, swap."""
        try:
            manifest = self.carry_over() if self.final.is_dir() else {}
            if self.written:
                manifest[self.command] = {n: self.sums[n] for n in sorted(self.written)}
            manifest = {c: files for c, files in manifest.items() if files}
            if manifest:
                doc = {"commands": manifest}
                (self.staging / MANIFEST).write_text(
                    json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8"
                )
            self.swap()
        except OSError as e:
            raise OptimizerError(
                f"--out {self.path}: "
                + _(
                    "the results could not be put in place ({why}); the folder is as it was"
                ).format(why=e.strerror or e)
            ) from None
        (self.parent / f"{self.prefix}.manifest.json").unlink(missing_ok=True)  # older runs'
        self.finish()

    def carry_over(self) -> Manifest:
        """Link into the staging folder every entry this run keeps: a user's file, a
        folder, another command's results, a file this run may write but did not; drop
        the earlier files of ours it replaces or no longer writes. Returns what the
        manifest keeps of the earlier runs."""
        stale = set(self.manifest.get(self.command, ())) | set(self.names)
        dropped: set[str] = set()
        for entry in os.scandir(self.final):
            path = Path(entry.path)
            if entry.name == MANIFEST:
                continue
            if entry.name in self.written:
                self.check_way(entry.name)
                dropped.add(entry.name)
            elif entry.name in stale and self.is_ours(path):
                dropped.add(entry.name)
            else:
                carry(path, self.staging / entry.name)
        kept: Manifest = {}
        for command, files in self.manifest.items():
            if command == self.command:
                continue
            kept[command] = {
                n: s for n, s in files.items()
                if n not in dropped and (self.staging / n).exists()
            }  # fmt: skip
        return kept

    def swap(self) -> None:
        if not self.final.exists():
            if any(self.staging.iterdir()):
                os.rename(self.staging, self.final)
            return
        os.chmod(self.staging, stat.S_IMODE(self.final.stat().st_mode))
        if exchange(self.staging, self.final):
            # now the old folder; what a failure leaves, the next run's `recover` removes
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        aside = self.parent / f"{self.prefix}.old-{os.getpid()}"
        os.rename(self.final, aside)
        try:
            os.rename(self.staging, self.final)
        except OSError:
            os.rename(aside, self.final)
            raise
        shutil.rmtree(aside, ignore_errors=True)

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
    left untouched by any other error, an interrupt or a refused commit."""
    if path is None:
        yield None
        return
    folder = ResultFolder.open(path, inputs, names, command)
    try:
        yield folder
    except InfeasibleError:
        commit_or_abort(folder)
        raise
    except BaseException:
        folder.abort()
        raise
    commit_or_abort(folder)


def commit_or_abort(folder: ResultFolder) -> None:
    try:
        folder.commit()
    except BaseException:
        folder.abort()
        raise


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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

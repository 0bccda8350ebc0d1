"""Writing result files: checked before any work starts, written so that a failure never leaves
a half-written file behind, and never onto anything but a regular file (or a new path).

    out = check_output(args.json, inputs=[args.model])   # before the work: one-line OutputError
    ...
    write_json_atomic(out, result)
"""
from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Iterable

from simprof.core.errors import OutputError


def _umask_mode() -> int:
    # mkstemp creates 0600 files; results should get the same mode as any file the user writes.
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_output(path: str | os.PathLike, *, inputs: Iterable[str | os.PathLike | None] = (),
                 what: str = "output") -> Path:
    """Refuse, with one line naming cause and fix, an output path that is not a regular file or a
    new name in a writable folder: a device, FIFO, socket, folder or symbolic link, an existing
    input of the same command, a folder that cannot be created or written."""
    target = Path(path)
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise OutputError(f"cannot write {what} {target}: a parent of it is a file, not a folder",
                          fix="choose a path inside a folder") from None
    except OSError as exc:
        raise OutputError(f"cannot write {what} {target}: {exc.strerror}", fix="choose another path") from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise OutputError(f"{what} {target} is a symbolic link; simprof writes only regular files",
                              fix="give the path of the file itself, or a new name")
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{what} {target} is a folder", fix="give a file name")
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{what} {target} is not a regular file (a device, pipe or socket)",
                              fix="give a file name; simprof writes only regular files")
        for inp in inputs:
            if inp is not None and _same_file(target, Path(inp)):
                raise OutputError(f"{what} {target} is an input of this command; writing it would destroy it",
                                  fix="choose another output name")
    _check_folder(target.parent, what, target)
    return target


def _check_folder(folder: Path, what: str, target: Path) -> None:
    """The folder must be a folder we can write into, or creatable under one."""
    probe = folder if str(folder) else Path(".")
    while True:
        try:
            st = os.stat(probe)
        except FileNotFoundError:
            parent = probe.parent
            if parent == probe:
                break
            probe = parent
            continue
        except NotADirectoryError:
            raise OutputError(f"cannot write {what} {target}: a parent of it is a file, not a folder",
                              fix="choose a path inside a folder") from None
        except OSError as exc:
            raise OutputError(f"cannot write {what} {target}: {exc.strerror}", fix="choose another path") from None
        if not stat.S_ISDIR(st.st_mode):
            raise OutputError(f"cannot write {what} {target}: {probe} is a file, not a folder",
                              fix="choose a path inside a folder")
        if not os.access(probe, os.W_OK | os.X_OK):
            raise OutputError(f"cannot write {what} {target}: folder {probe} is not writable",
                              fix="choose a writable folder")
        return


def check_output_dir(path: str | os.PathLike, *, what: str = "output folder") -> Path:
    """An output folder: an existing writable folder, or a new path under a writable one."""
    folder = Path(path)
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"cannot use {what} {folder}: {exc.strerror}", fix="choose another path") from None
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{what} {folder} is a file, not a folder", fix="give a folder path")
    if st is not None:
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(f"{what} {folder} is not writable", fix="choose a writable folder")
        return folder
    _check_folder(folder.parent, what, folder)
    return folder


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write to a temporary file in the same folder, then rename over the target. Refuses what
    `check_output` refuses; a full disk or any other write error is an OutputError and leaves the
    target as it was."""
    target = check_output(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror}", fix="choose a writable folder") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}",
                          fix="free disk space or choose another folder") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_json_atomic(path: str | os.PathLike, obj: Any) -> Path:
    return write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")

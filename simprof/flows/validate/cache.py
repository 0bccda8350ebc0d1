"""Result cache of `simprof validate`: one small JSON file per entry, written atomically (temporary
file + fsync + rename), so an interrupted run leaves either a whole entry or none, and a rerun
resumes where it stopped.

Keys are content hashes: a measurement is keyed by (model hash, platform, platform-file hash,
firmware hash); an estimate by (model hash, platform, platform-file hash, estimator name, estimator
version). Changing the firmware re-measures; changing an estimator re-estimates only.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CACHE_VERSION = 1


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tree_sha256(root: str | os.PathLike, suffixes: tuple[str, ...]) -> str:
    """Hash of every file under root with one of the suffixes (paths and contents, sorted)."""
    h = hashlib.sha256()
    base = Path(root)
    for p in sorted(base.rglob("*")):
        if p.is_file() and p.suffix in suffixes and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(base)).encode() + b"\0")
            h.update(p.read_bytes())
    return h.hexdigest()


def make_key(kind: str, *parts: str) -> str:
    return hashlib.sha256("\0".join((f"v{CACHE_VERSION}", kind, *parts)).encode()).hexdigest()


class ResultCache:
    """A folder of `<key[:2]>/<key>.json` entries. Unreadable entries count as missing."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        try:
            with open(path, encoding="utf-8") as fh:
                entry = json.load(fh)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:  # a foreign or damaged file: ignore it, it will be rewritten
            log.warning("ignoring unreadable cache entry %s: %s", path, exc)
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        return entry.get("value")

    def put(self, key: str, value: dict[str, Any]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key[:8]}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"key": key, "value": value}, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def clean_partial(self) -> int:
        """Removes temporary files a killed writer left behind; returns how many."""
        n = 0
        for tmp in self.root.glob("*/.*.tmp"):
            tmp.unlink(missing_ok=True)
            n += 1
        return n

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("*/*.json"))

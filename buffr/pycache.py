"""Prune the bytecode cache of source trees that are gone: ``python -m buffr.pycache PREFIX``.

``./dev`` keeps compiled bytecode outside the clone (``PYTHONPYCACHEPREFIX``), where it mirrors
each source file's absolute path, so every clone leaves a tree of its own there: CI clones
afresh for each run, and a clone's tree with its virtual environment's is ~120 MB. Nothing
removed the trees of clones deleted since (seen here: 534 MB, half of it for clones that were
gone). ``./dev`` runs this first: it removes each mirrored directory whose source directory
no longer exists, and which holds nothing but bytecode, so that a wrong prefix (a home folder,
say) loses nothing else. Only directories that still exist are walked, down to ``MAX_DEPTH``
(about 400 directories here, a few milliseconds). Housekeeping never stops ``./dev``: what
cannot be read or removed is left.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

MAX_DEPTH = 6  # a clone as deep as /home/me/src/org/project is found when it is deleted


def prune(prefix: Path, max_depth: int = MAX_DEPTH) -> list[Path]:
    """Remove the mirrors under ``prefix`` of directories that no longer exist and that hold
    only bytecode; the removed."""
    removed: list[Path] = []

    def walk(mirror: Path, depth: int) -> None:
        try:
            with os.scandir(mirror) as entries:
                children = [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
        except OSError:
            return  # unreadable (another user's, say): left alone
        for child in children:
            if (Path("/") / child.relative_to(prefix)).is_dir():
                if depth < max_depth:
                    walk(child, depth + 1)
            elif _only_bytecode(child):
                shutil.rmtree(child, ignore_errors=True)
                if not child.exists():
                    removed.append(child)

    if prefix.is_dir():
        walk(prefix, 1)
    return removed


def _only_bytecode(tree: Path) -> bool:
    """Nothing in ``tree`` but directories and ``.pyc`` files (no symbolic links either)."""
    try:
        for folder, dirs, files in os.walk(tree, onerror=_raise):
            base = Path(folder)
            if any((base / d).is_symlink() for d in dirs):
                return False
            if any(not f.endswith(".pyc") or (base / f).is_symlink() for f in files):
                return False
    except OSError:
        return False
    return True


def _raise(error: OSError) -> None:
    raise error


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m buffr.pycache PREFIX", file=sys.stderr)
        return 2
    prefix = Path(argv[0])
    if not prefix.is_absolute():
        print(f"refusing to prune {prefix}: give the cache's absolute path", file=sys.stderr)
        return 2
    removed = prune(prefix)
    if removed:
        print(f"bytecode cache: removed {len(removed)} trees of sources that are gone")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

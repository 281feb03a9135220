"""Making written files survive a crash: fsync a file, a folder's entries, or both."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(directory: Path) -> None:
    """A rename or a new entry in ``directory`` is on disk once this returns."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_tree(directory: Path) -> None:
    """Every file in ``directory`` (recursively) and the folders holding them."""
    for entry in directory.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            fsync_tree(entry)
        elif entry.is_file():
            fsync_file(entry)
    fsync_dir(directory)


def replace_durably(written: Path, path: Path) -> None:
    """Move the fully written ``written`` over ``path`` so that a crash leaves one or the other."""
    fsync_file(written)
    written.replace(path)
    fsync_dir(path.parent)

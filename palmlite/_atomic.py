"""Writing a file so that it appears whole or not at all, and never replaces a file by
accident.

Everything palmlite writes for a user (annotated images and videos, replaced record files) is
first written to a hidden temporary file in the target's folder, then published in one step:
a crash, Ctrl-C or ``kill`` midway leaves the target as it was (plus, after ``kill -9``, a
``.NAME.*.tmp`` file to delete).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["publish", "temporary_sibling"]


def temporary_sibling(target: Path) -> Path:
    """A new, empty, hidden file next to ``target`` (same folder, so publishing it is a rename
    within one file system). The folder is created if needed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    return Path(name)


def publish(temporary: Path, target: Path, *, replace: bool) -> None:
    """Move ``temporary`` to ``target`` in one step.

    With ``replace=False`` an existing ``target`` is never replaced, even one created a moment
    ago by another process: ``FileExistsError`` is raised and ``temporary`` is left for the
    caller to remove. The file keeps the permissions a normally created file would have
    (``mkstemp`` makes it private).
    """
    umask = os.umask(0)
    os.umask(umask)
    with contextlib.suppress(OSError):
        os.chmod(temporary, 0o666 & ~umask)
    if replace:
        os.replace(temporary, target)
        return
    try:
        # A hard link fails if the target exists: an atomic "create, never replace".
        os.link(temporary, target)
    except FileExistsError:
        raise FileExistsError(f"{target} exists (not replaced)") from None
    except OSError:
        # No hard links on this file system (FAT, some network mounts): check, then rename.
        if target.exists():
            raise FileExistsError(f"{target} exists (not replaced)") from None
        os.replace(temporary, target)
        return
    temporary.unlink()

"""Writing a whole file atomically, without ever writing through a link someone planted.

The text goes to a temporary file beside the target that this process creates itself
(`O_CREAT | O_EXCL | O_NOFOLLOW`: an existing file or symlink at that name is refused, never
followed), is flushed to disk, then renamed over the target (or hard-linked to it, which
fails if the target appeared meanwhile). Readers never see half a file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cobalt_sync.errors import InputError

_TRIES = 8  # random names: a clash (or a planted link) at every one means something is wrong
_NO_LINKS = getattr(os, "O_NOFOLLOW", 0)  # POSIX; Windows has no such flag
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_LINKS | getattr(os, "O_CLOEXEC", 0)


def write_atomically(target: Path, text: str, *, overwrite: bool) -> None:
    """Write `text` to `target`; without `overwrite`, raise FileExistsError if it exists."""
    temp, fd = _create_temp(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temp, target)  # replaces a link at `target` itself, never its target
        else:
            os.link(temp, target, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError as error:  # a full disk, a read-only folder: the user's to fix, not a bug
        raise InputError(f"{target}: cannot write it ({error.strerror})") from None
    finally:
        temp.unlink(missing_ok=True)


def _create_temp(target: Path) -> tuple[Path, int]:
    for _ in range(_TRIES):
        temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            # 0o644 (less the umask): a plan or a manifest holds no secret and is shared
            return temp, os.open(temp, _FLAGS, 0o644)
        except FileExistsError:
            continue
        except PermissionError:
            raise InputError(f"{target}: no permission to write in {target.parent}") from None
    raise InputError(
        f"{target}: cannot create a temporary file beside it ({_TRIES} names were taken)",
        hint=f"remove stray .{target.name}.*.tmp files or links in {target.parent}",
    )


def ensure_folder(target: Path) -> None:
    """Create the folder `target` goes into, as `mkdir -p` would; a path through a file, or
    a folder where the file should be, is bad input (exit 3), not a crash."""
    if target.is_dir():
        raise InputError(f"{target}: is a directory", hint="give a file name, e.g. plan.json")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(
            f"{target}: cannot create its folder {target.parent}: part of that path is a file"
        ) from None
    except PermissionError:
        raise InputError(f"{target}: no permission to create the folder {target.parent}") from None

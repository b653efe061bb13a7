"""A watched folder of deliveries (source type ``amp_delivery``). Pure (no CKAN).

The operator declares one root (``ckanext.amp.harvest.delivery_root``); a
source names a folder under it, absolute or relative to the root. Refused:
no root declared, a folder outside the root (``..``, another absolute path,
a symbolic link leading out), and, inside the folder, a link to a file out
of the root. Only regular files are read (no devices, pipes, sockets,
sub-folders), each bounded in size and opened without following a link.
Hidden files and the names of files still being written (``.part``,
``.tmp``, ``~``…) are skipped: a partner writes under such a name and
renames when done.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ckanext.amp.common.messages import TranslatableError

__all__ = ["FolderError", "FolderFile", "Listing", "create_folder", "list_folder",
           "read_folder_file", "resolve_folder"]

#: Suffixes of files being written (browsers, FTP and SFTP clients, editors).
IN_PROGRESS_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".filepart",
                        ".download", "~", ".swp", ".lock")


class FolderError(TranslatableError):
    """A folder or file refused (English msgid + parameters)."""


@dataclass(frozen=True)
class FolderFile:
    """A file of the watched folder: ``name`` as the partner wrote it,
    ``path`` resolved (inside the root)."""

    name: str
    path: Path
    size: int


@dataclass
class Listing:
    files: list[FolderFile]
    #: files refused (links out of the root, too large), as errors
    problems: list[FolderError]


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _real_root(root: str | Path | None) -> Path:
    if root is None or not str(root).strip():
        raise FolderError(
            "No folder of deliveries is declared (ckanext.amp.harvest.delivery_root): a "
            "source cannot watch a folder")
    root_path = Path(str(root).strip())
    if not root_path.is_absolute():
        raise FolderError("The folder of deliveries {root} must be an absolute path",
                          root=str(root_path))
    real = Path(os.path.realpath(root_path))
    if not real.is_dir():
        raise FolderError("The folder of deliveries {root} does not exist", root=str(root_path))
    return real


def resolve_folder(root: str | Path | None, folder: str) -> Path:
    """The real path of ``folder`` (absolute, or relative to ``root``),
    which must be inside ``root``; raises :class:`FolderError`."""
    real_root = _real_root(root)
    text = str(folder or "").strip()
    if not text or "\0" in text:
        raise FolderError("The option folder must be a folder under {root}", root=str(root))
    candidate = Path(text)
    if not candidate.is_absolute():
        candidate = Path(str(root).strip()) / candidate
    real = Path(os.path.realpath(candidate))
    if not _inside(real, real_root):
        raise FolderError("The folder {folder} is outside the folder of deliveries {root}: "
                          "refused", folder=text, root=str(root).strip())
    if not real.is_dir():
        raise FolderError("The folder {folder} does not exist", folder=text)
    return real


def create_folder(root: str | Path | None, folder: str) -> Path:
    """Create ``folder`` (relative to ``root``, inside it) if it is missing,
    as ``ckan amp conventions load`` does for the folders its sources
    watch; returns its real path. An absolute folder, or one that would
    leave the root, is never created: :class:`FolderError`."""
    real_root = _real_root(root)
    text = str(folder or "").strip()
    candidate = Path(text)
    if not text or "\0" in text or candidate.is_absolute() or ".." in candidate.parts:
        raise FolderError("The option folder must be a folder under {root}", root=str(root))
    target = Path(os.path.realpath(real_root / candidate))
    if not _inside(target, real_root):
        raise FolderError("The folder {folder} is outside the folder of deliveries {root}: "
                          "refused", folder=text, root=str(root).strip())
    target.mkdir(parents=True, exist_ok=True)
    return resolve_folder(root, text)


def _skipped(name: str) -> bool:
    lower = name.lower()
    return name.startswith((".", "~$")) or lower.endswith(IN_PROGRESS_SUFFIXES)


def list_folder(root: str | Path | None, folder: str, max_bytes: int) -> Listing:
    """The files to read in ``folder``, by name; raises :class:`FolderError`
    for the folder itself."""
    real_root = _real_root(root)
    real = resolve_folder(root, folder)
    files: list[FolderFile] = []
    problems: list[FolderError] = []
    with os.scandir(real) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if _skipped(entry.name):
                continue
            path = Path(os.path.realpath(entry.path))
            if entry.is_symlink() and not _inside(path, real_root):
                problems.append(FolderError(
                    "The file {file} is a link out of the folder of deliveries: ignored",
                    file=entry.name))
                continue
            try:
                info = os.stat(path)
            except OSError:
                continue  # a dangling link, a file gone meanwhile
            if not stat.S_ISREG(info.st_mode):
                continue
            if info.st_size > max_bytes:
                problems.append(FolderError(
                    "The file {file} is larger than {limit} bytes: ignored", file=entry.name,
                    limit=max_bytes))
                continue
            files.append(FolderFile(entry.name, path, info.st_size))
    return Listing(files, problems)


def read_folder_file(root: str | Path | None, file: FolderFile, max_bytes: int) -> bytes:
    """The bytes of ``file``, checked again when it is opened: still inside
    the root, a regular file (not a link), within the size limit."""
    real_root = _real_root(root)
    path = Path(os.path.realpath(file.path))
    if not _inside(path, real_root):
        raise FolderError("The file {file} is a link out of the folder of deliveries: ignored",
                          file=file.name)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        handle = os.open(path, flags)
    except OSError as error:
        raise FolderError("The file {file} cannot be read ({reason})", file=file.name,
                          reason=error.strerror or str(error)) from None
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FolderError("The file {file} cannot be read ({reason})", file=file.name,
                              reason="not a regular file")
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FolderError("The file {file} is larger than {limit} bytes: ignored",
                          file=file.name, limit=max_bytes)
    return data

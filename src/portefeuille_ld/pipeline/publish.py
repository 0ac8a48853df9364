"""Publish a release atomically: readers see the previous release or the new one, never a mix.

Layout of `out_dir`::

    current -> releases/<id>     relative symlink, swapped with os.replace
    releases/<id>/...            one directory per release, never modified once there;
                                 <id> = first 16 hex digits of the SHA-256 of manifest.json
    .lock                        held while publishing, so two builds never interleave
    .staging-*                   work in progress; a later run removes what a killed one left

A release is written into a staging directory, checked against its manifest, synced to
disk, renamed into ``releases/`` (or, if that id exists already, the existing one is
reused, unless it is damaged or lacks an unlisted file the new one has, such as the
server's store written by a newer version), then ``current`` is swapped. Only the `keep`
most recent releases are kept, and never the one ``current`` points to.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from portefeuille_ld.pipeline.manifest import MANIFEST_FILE, Manifest

__all__ = [
    "CURRENT",
    "RELEASES",
    "STAGING_PREFIX",
    "current_release",
    "prune",
    "publish",
    "releases",
]

log = logging.getLogger(__name__)

CURRENT = "current"
RELEASES = "releases"
STAGING_PREFIX = ".staging-"
_LOCK = ".lock"


def publish(out_dir: Path, write: Callable[[Path], Manifest], *, keep: int = 3) -> Path:
    """Call ``write(staging)``, then publish what it wrote as the current release.

    If `write` raises, or the manifest does not match the files, nothing changes and the
    staging directory is removed. Returns the release directory.

    :raises ValueError: if `keep` < 1 or the manifest does not match the written files.
    """
    if keep < 1:
        raise ValueError(f"keep at least one release, not {keep}")
    (out_dir / RELEASES).mkdir(parents=True, exist_ok=True)
    with _locked(out_dir):
        _clean_staging(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
        try:
            staging.chmod(0o755)  # mkdtemp makes it private; a release is for everyone to read
            release = _install(staging, write(staging), out_dir)
        finally:
            _remove(staging)
        _point_current(out_dir, release)
        _prune(out_dir, keep=keep)
    log.info("current release: %s", release)
    return release


def current_release(out_dir: Path) -> Path | None:
    """The directory ``out_dir/current`` points to, or None if there is none yet."""
    link = out_dir / CURRENT
    if not link.is_symlink():
        return None
    target = out_dir / os.readlink(link)
    return target if target.is_dir() else None


def releases(out_dir: Path) -> list[Path]:
    """The release directories, most recently published first."""
    root = out_dir / RELEASES
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink()]
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)


@contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    with (out_dir / _LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _install(staging: Path, manifest: Manifest, out_dir: Path) -> Path:
    """Check and sync the staging directory, then make it ``releases/<id>``."""
    manifest_file = staging / MANIFEST_FILE
    if not manifest_file.exists():
        manifest_file.write_bytes(manifest.to_json())
    if manifest_file.read_bytes() != manifest.to_json():
        raise ValueError(f"{manifest_file} differs from the manifest `write` returned")
    manifest.verify(staging)
    _fsync_tree(staging)
    target = out_dir / RELEASES / manifest.release_id
    if target.exists() and not _intact(target, manifest, staging):
        log.warning("replacing the damaged or incomplete release %s", target)
        _discard(target, out_dir)
    if not target.exists():
        os.rename(staging, target)
        _fsync_dir(target.parent)
    _mark_newest(target)
    return target


def _intact(release: Path, manifest: Manifest, staging: Path) -> bool:
    """Whether `release` holds the files of `manifest`, unchanged, and every entry of `staging`."""
    try:
        manifest.verify(release)
        if any(not (release / entry.name).exists() for entry in staging.iterdir()):
            return False
        return (release / MANIFEST_FILE).read_bytes() == manifest.to_json()
    except (OSError, ValueError):
        return False


def _mark_newest(release: Path) -> None:
    """Give `release` an mtime later than every other release's: it is the latest."""
    others = [p.stat().st_mtime_ns for p in releases(release.parent.parent) if p != release]
    stamp = max([time.time_ns(), *(m + 1 for m in others)])
    os.utime(release, ns=(stamp, stamp))


def _point_current(out_dir: Path, release: Path) -> None:
    temporary = out_dir / f"{STAGING_PREFIX}current-{secrets.token_hex(4)}"
    os.symlink(Path(RELEASES) / release.name, temporary)
    os.replace(temporary, out_dir / CURRENT)
    _fsync_dir(out_dir)


def prune(out_dir: Path, *, keep: int = 3) -> None:
    """Remove all but the `keep` most recently published releases, and never the current one."""
    if keep < 1:
        raise ValueError(f"keep at least one release, not {keep}")
    with _locked(out_dir):
        _prune(out_dir, keep=keep)


def _prune(out_dir: Path, *, keep: int) -> None:
    current = current_release(out_dir)
    for old in releases(out_dir)[keep:]:
        if current is None or old.resolve() != current.resolve():
            log.info("removing the old release %s", old)
            _discard(old, out_dir)


def _discard(release: Path, out_dir: Path) -> None:
    """Move a release out of ``releases/`` in one step, then delete it."""
    doomed = out_dir / f"{STAGING_PREFIX}old-{release.name}-{secrets.token_hex(4)}"
    os.rename(release, doomed)
    _remove(doomed)


def _clean_staging(out_dir: Path) -> None:
    for entry in out_dir.iterdir():
        if entry.name.startswith(STAGING_PREFIX):
            log.warning("removing %s, left by an interrupted build", entry)
            _remove(entry)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _fsync_tree(root: Path) -> None:
    for directory, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(directory, name), "rb") as stream:
                os.fsync(stream.fileno())
        _fsync_dir(Path(directory))


def _fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)

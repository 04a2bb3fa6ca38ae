"""Publish files and folders by building them aside and swapping them into place atomically."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

KEEP_VERSIONS = 7


def history_dir(target: Path) -> Path:
    """Return the folder that keeps earlier published versions of `target`."""
    return target.parent / "history"


def published_versions(target: Path) -> list[Path]:
    """Return the kept earlier versions of `target`, newest first."""
    folder = history_dir(target)
    return sorted(folder.glob(f"*_{target.name}"), reverse=True) if folder.is_dir() else []


def publish_file(source: Path, target: Path, keep: int = KEEP_VERSIONS) -> None:
    """Copy `source` beside `target`, keep the current `target` in history, then swap atomically.

    A reader with the old file open keeps reading it: the old file is renamed, never rewritten.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.incoming")
    shutil.copyfile(source, staged)
    if target.exists():
        history_dir(target).mkdir(exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
        os.link(target, history_dir(target) / f"{stamp}_{target.name}")
    os.replace(staged, target)
    for old in published_versions(target)[keep:]:
        old.unlink()


def roll_back(target: Path) -> Path:
    """Put the newest kept version back as `target` (atomically); return the version restored."""
    versions = published_versions(target)
    if not versions:
        raise FileNotFoundError(f"no earlier version of {target} is kept in {history_dir(target)}")
    restored = versions[0]
    os.replace(restored, target)
    return restored


def publish_folder(built: Path, target: Path) -> None:
    """Swap the freshly built folder `built` into `target`, removing the previous one."""
    previous = target.with_name(f".{target.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        os.replace(target, previous)
    os.replace(built, target)
    shutil.rmtree(previous, ignore_errors=True)

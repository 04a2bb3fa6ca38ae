"""Publish files and folders by building them aside and swapping them into place atomically."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def publish_file(source: Path, target: Path) -> None:
    """Copy `source` beside `target`, then atomically replace `target` with the copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.incoming")
    shutil.copyfile(source, staged)
    os.replace(staged, target)


def publish_folder(built: Path, target: Path) -> None:
    """Swap the freshly built folder `built` into `target`, removing the previous one."""
    previous = target.with_name(f".{target.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        os.replace(target, previous)
    os.replace(built, target)
    shutil.rmtree(previous, ignore_errors=True)

"""A Data Docs folder's files, compared across builds."""

import re
from pathlib import Path

# Great Expectations names each page's collapsible blocks with a fresh random UUID
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def data_docs_files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by its path there, with Great Expectations' random UUIDs blanked."""
    return {
        p.relative_to(folder).as_posix(): UUID.sub(b"<uuid>", p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file()
    }

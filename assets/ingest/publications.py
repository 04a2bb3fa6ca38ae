"""Read a file that a source mapping names (an official publication) into contract rows, or reject it."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import PurePosixPath

from assets.ingest.batch import Batch, PassSetup, Received
from assets.ingest.files import ACCEPTED_EXTENSIONS, SUBMISSION_GRACE, RejectedFile, check_content
from assets.ingest.reader import extract_rows, no_rows, read_sheets
from assets.ingest.rows import FileFacts
from assets.ingest.sources import SourceMapping
from assets.ingest.submitted import SubmittedOn, submitted_day

log = logging.getLogger(__name__)


def _checked(setup: PassSetup, source: SourceMapping, extension: str) -> None:
    """Raise RejectedFile when the source's mapping or partner, or the file's type, cannot be used."""
    if source.source in setup.source_problems:
        raise RejectedFile(
            "mapping_file",
            "the partnership's mapping file for this publication is wrong: "
            f"{setup.source_problems[source.source]}",
        )
    if source.partner_code is not None and source.partner_code not in setup.known_partners:
        raise RejectedFile(
            "unknown_partner",
            f"{source.partner_code} (from {source.source}) is not a partner in the reference data",
        )
    if extension not in ACCEPTED_EXTENSIONS:
        raise RejectedFile(
            "wrong_file_type",
            f"this is a .{extension} file; the pipeline reads CSV files and Excel .xlsx workbooks",
        )


def _check_day(setup: PassSetup, source: str, submitted_on: SubmittedOn, day: date) -> None:
    """Raise RejectedFile when the day the file counts as submitted is after today (a day's grace)."""
    today = setup.now.date()
    if day > today + SUBMISSION_GRACE:
        raise RejectedFile(
            "submitted_in_future",
            f"{source} gives {day:%d %B %Y} (from "
            f"{submitted_on.describe()}) as the day it was "
            f"submitted, after today ({today:%d %B %Y}); the "
            "partnership team must correct submitted_on",
        )


def read_source_file(
    setup: PassSetup,
    batch: Batch,
    name: str,
    digest: str,
    modified_ns: int,
    content: bytes,
    source: SourceMapping,
) -> None:
    """Add the publication's rows (with the rows held back at ingest) or its rejection to the batch."""
    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    try:
        _checked(setup, source, extension)
        submitted_on, mapping = source.submitted_on, source.mapping(setup.kind)
        # a source without them is one whose mapping file is wrong: _checked has rejected the file
        assert submitted_on is not None and mapping is not None
        check_content(extension, content)
        sheets, encoding = read_sheets(extension, content)
        facts = FileFacts(name, setup.services, source.date_order)
        day = submitted_day(submitted_on, facts.base_name, modified_ns, sheets, source.date_order)
        _check_day(setup, source.source, submitted_on, day)
        extract = extract_rows(setup.kind, sheets, mapping, facts=facts)
        assert extract is not None  # strict: a file holding none of the type's rows raises RejectedFile
        if extract.empty:
            raise no_rows()
    except RejectedFile as rejected:
        log.warning("%s/%s rejected (%s): %s", setup.kind.name, name, rejected.rule, rejected)
        batch.reject(setup, digest, name, len(content), source.partner_code, rejected, source.mapping_file)
        return
    file = Received(name, digest, source.partner_code, day, source.source)
    batch.add_extract(
        setup,
        file,
        extract,
        {
            "encoding": encoding,
            "sheets": ", ".join(extract.sheets) or None,
            "mapping": source.mapping_file,
            "date_order": source.date_order,
            "percent_scale": mapping.percent,
        },
    )

"""Source mappings: publications not named `<PARTNER>_<DATE>`, one file carrying many partners' figures."""

from datetime import date

import pytest

from assets.ingest.mapping import MappingError
from assets.ingest.sources import load_sources, parse_source
from assets.models.seeds import load_seed
from assets.validate.accounting import accounting_gaps
from pipelines.inbox_report import UNATTRIBUTED, inbox_report
from tests.ingest_fixtures import OUTCOMES_HEADER, drop, ingest_and_validate, rows, seeded_warehouse

PUBLICATION = """\
name: Monthly output statistics
files: ["stats/**/output_*.csv"]
submitted_on: 2024-03-10
returns:
  outcomes:
    columns: {Org: partner_code, Month: period, Count: value}
    values: {service_code: "{Scheme}", measure_code: OUT}
    blank: [numerator, denominator, comment]
"""


def test_a_publication_is_read_by_the_files_its_source_mapping_names(tmp_path):
    drop(tmp_path / "partners", "sources", "output.yaml", PUBLICATION)
    drop(
        tmp_path / "inbox" / "stats",
        "2024",
        "output_jan.csv",
        "Org,Scheme,Month,Count\nP1,S1,January 2024,12\nP3,S2,January 2024,7\nP9,S2,January 2024,1\n",
    )
    drop(tmp_path / "inbox", "stats", "notes.txt", "not a publication")
    con = seeded_warehouse(tmp_path / "w.duckdb")
    outcome = ingest_and_validate(con, tmp_path)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (2, 1)
    # each row speaks for its own partner; the file counts as submitted on the mapping's date
    assert rows(
        con,
        "select partner_code, file_partner_code, submitted_on, value from validated.outcomes "
        "order by row_number",
    ) == [("P1", "P1", date(2024, 3, 10), 12.0), ("P3", "P3", date(2024, 3, 10), 7.0)]
    assert ("known_partner", "P9") in rows(con, "select rule, value from audit.quarantine")
    assert rows(con, "select file_name, partner_code, mapping from audit.load_log") == [
        ("stats/2024/output_jan.csv", None, "sources/output.yaml")
    ]
    assert rows(con, "select count(*) from audit.rejected_files") == [(0,)]


def test_a_publication_of_one_partner_checks_every_row_against_it(tmp_path):
    drop(
        tmp_path / "partners",
        "sources",
        "output.yaml",
        PUBLICATION.replace("returns:", "partner_code: P1\nreturns:"),
    )
    drop(
        tmp_path / "inbox",
        "stats",
        "output_jan.csv",
        "Org,Scheme,Month,Count\nP1,S1,2024-01,12\nP3,S2,2024-01,7\n",
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    assert ingest_and_validate(con, tmp_path).rows_loaded == 1
    assert rows(con, "select rule from audit.quarantine") == [("partner_matches_file",)]


def test_a_wrong_source_mapping_rejects_its_files_and_the_others_load(tmp_path):
    drop(
        tmp_path / "partners",
        "sources",
        "output.yaml",
        PUBLICATION.replace("OUT}", "OUT}\n    formulas: {value: 'x'}"),
    )
    drop(tmp_path / "inbox", "stats", "output_jan.csv", "Org,Scheme,Month,Count\nP1,S1,2024-01,12\n")
    drop(tmp_path / "inbox", "outcomes", "P3_20240310.csv", OUTCOMES_HEADER + "P3,S2,OUT,2024-01,,,4,\n")
    con = seeded_warehouse(tmp_path / "w.duckdb")
    assert ingest_and_validate(con, tmp_path, "targets").rows_loaded == 0  # the first type answers for it
    assert ingest_and_validate(con, tmp_path).rows_loaded == 1
    [(name, rule, reason, mapping)] = rows(
        con, "select file_name, rule, reason, mapping from audit.rejected_files"
    )
    assert (name, rule) == ("stats/output_jan.csv", "mapping_file") and "is not a formula" in reason
    # too wrong to name its publication (seeds.publications leaves it out): reported by its mapping file
    assert mapping == "sources/output.yaml"
    assert _report_titles(con, tmp_path) == ["Charity (P3)", "The publication mapped by sources/output.yaml"]


def _report_titles(con, home) -> list[str]:
    """The inbox report's section titles, with seeds.publications read from the mappings as a run does."""
    load_seed(con, home / "reference", "publications", home / "partners")
    report = inbox_report(con).splitlines()
    return [line for line, under in zip(report, report[1:], strict=False) if under and set(under) == {"="}]


def test_every_file_a_source_mapping_names_and_turns_away_carries_its_mapping(tmp_path):
    drop(
        tmp_path / "partners",
        "sources",
        "output.yaml",
        PUBLICATION.replace("files:", "publisher: ONS\nfiles:"),
    )
    content = "Org,Scheme,Month,Count\nP1,S1,2024-01,12\n"
    first = drop(tmp_path / "inbox", "stats", "output_jan.csv", content)
    drop(tmp_path / "inbox", "stats", "output_jan_again.csv", content)
    drop(tmp_path / "inbox", "stats", "output_feb.csv", "")
    (tmp_path / "inbox" / "stats" / "output_link.csv").symlink_to(first)
    con = seeded_warehouse(tmp_path / "w.duckdb")
    assert ingest_and_validate(con, tmp_path).rows_loaded == 1
    assert rows(
        con, "select file_name, partner_code, rule, mapping from audit.rejected_files order by 1"
    ) == [
        ("stats/output_feb.csv", None, "empty_file", "sources/output.yaml"),
        ("stats/output_jan_again.csv", None, "duplicate_file", "sources/output.yaml"),
        ("stats/output_link.csv", None, "not_a_file", "sources/output.yaml"),
    ]
    assert rows(con, "select file_name, status, mapping from audit.load_log order by 1") == [
        ("stats/output_feb.csv", "rejected", "sources/output.yaml"),
        ("stats/output_jan.csv", "validated", "sources/output.yaml"),
    ]
    assert _report_titles(con, tmp_path) == ["Monthly output statistics (publication by ONS)"]
    report = inbox_report(con)
    assert (
        UNATTRIBUTED not in report
        and "1 file(s) read: 1 row(s) received, 1 loaded, 0 held back; 3 file(s) not read." in report
    )


def test_a_source_mapping_whose_files_cannot_be_told_raises(tmp_path):
    drop(tmp_path / "partners", "sources", "output.yaml", "files: [\n")
    with pytest.raises(MappingError, match="not valid YAML"):
        load_sources(tmp_path / "partners")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (PUBLICATION.replace('files: ["stats/**/output_*.csv"]\n', ""), "files lists name patterns"),
        (
            PUBLICATION.replace('["stats/**/output_*.csv"]', '["../elsewhere/*.csv"]'),
            "files lists name patterns",
        ),
        (PUBLICATION.replace("2024-03-10", "soon"), "submitted_on is the day"),
        (PUBLICATION + "colour: blue\n", "expected files, submitted_on, returns"),
        (PUBLICATION.replace("values:", "values: {comment: x}\n    extras:"), "expected a mapping with keys"),
    ],
)
def test_a_wrong_source_mapping_says_what_is_wrong(text, says):
    with pytest.raises(MappingError, match=says):
        parse_source(text, "output.yaml")


def test_files_of_a_source_feed_only_the_types_it_maps(tmp_path):
    drop(tmp_path / "partners", "sources", "output.yaml", PUBLICATION)
    drop(tmp_path / "inbox", "stats", "output_jan.csv", "Org,Scheme,Month,Count\nP1,S1,2024-01,12\n")
    con = seeded_warehouse(tmp_path / "w.duckdb")
    for kind in ("targets", "outcomes"):
        ingest_and_validate(con, tmp_path, kind)
    assert rows(con, "select submission_type, status from audit.load_log") == [("outcomes", "validated")]
    assert accounting_gaps(con).is_empty()


def test_a_publication_dated_in_the_future_is_rejected(tmp_path):
    drop(tmp_path / "partners", "sources", "output.yaml", PUBLICATION.replace("2024-03-10", "2999-01-01"))
    drop(tmp_path / "inbox", "stats", "output_jan.csv", "Org,Scheme,Month,Count\nP1,S1,2024-01,12\n")
    con = seeded_warehouse(tmp_path / "w.duckdb")
    assert ingest_and_validate(con, tmp_path).rows_loaded == 0
    [(rule, reason)] = rows(con, "select rule, reason from audit.rejected_files")
    assert rule == "submitted_in_future" and "output.yaml gives 01 January 2999" in reason

"""Which returns partners owe (issue 18, points 5 and 6): declarations, where they are read from, and the
data-quality page's overdue returns, one line per partner and kind, at the nhs-england scale."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from assets.models.seeds import SeedError, publications_frame, returns_owed_frame
from assets.publish.quality_page import month_ranges, overdue_summary, sent_by
from assets.scenarios import ScenarioError, load_scenario, returns_owed_rows


def test_a_declaration_gives_one_row_per_type_and_partner_sector_or_kind():
    declared = [
        {"returns": ["outcomes", "targets"], "service_kinds": ["urgent_emergency_care"], "until": "2019-03"},
        {"returns": "workforce", "sectors": ["NHS", "local authority"]},
        {"returns": ["finance"], "partners": ["R1H"], "until": date(2020, 6, 30)},
        {"returns": ["finance"]},
    ]
    assert returns_owed_rows(declared, "s.yaml") == (
        ("outcomes", None, None, "urgent_emergency_care", "2019-03-01"),
        ("targets", None, None, "urgent_emergency_care", "2019-03-01"),
        ("workforce", "NHS", None, None, None),
        ("workforce", "local authority", None, None, None),
        ("finance", None, "R1H", None, "2020-06-01"),
        ("finance", None, None, None, None),
    )


@pytest.mark.parametrize(
    ("declared", "problem"),
    [
        ({"returns": ["outcomes"]}, "is a list of declarations"),
        ([{"sectors": ["NHS"]}], "entry 1: expected returns"),
        ([{"returns": ["outcomes"], "owed_by": "NHS"}], "entry 1: expected returns"),
        ([{"returns": ["outcome"]}], "entry 1: returns lists submission types"),
        (
            [{"returns": ["outcomes"]}, {"returns": ["targets"], "sectors": ["NHS"], "partners": ["R1H"]}],
            "entry 2: give one of sectors, partners, service_kinds",
        ),
        ([{"returns": ["outcomes"], "sectors": []}], "entry 1: sectors lists at least one"),
        ([{"returns": ["outcomes"], "until": "March 2019"}], "entry 1: until is a month, written YYYY-MM"),
        ([{"returns": ["outcomes"], "until": "2019-13"}], "entry 1: until is a month"),
    ],
)
def test_a_wrong_declaration_is_refused_saying_what_is_wrong(declared, problem):
    with pytest.raises(ScenarioError, match=f"s.yaml: returns_owed {problem}"):
        returns_owed_rows(declared, "s.yaml")


def _scenario(tmp_path, yaml_text: str, csv_text: str | None = None):
    folder = tmp_path / "s"
    (folder / "seeds").mkdir(parents=True)
    (folder / "scenario.yaml").write_text(yaml_text)
    if csv_text is not None:
        (folder / "seeds" / "returns_owed.csv").write_text(csv_text)
    return folder


def test_a_scenario_declares_the_returns_owed_in_scenario_yaml_or_its_seeds_not_both(tmp_path):
    folder = _scenario(tmp_path, "inbox: in\nreturns_owed:\n  - {returns: [outcomes], sectors: [NHS]}\n")
    assert load_scenario("s", tmp_path).returns_owed == (("outcomes", "NHS", None, None, None),)
    assert returns_owed_frame(folder / "seeds").rows() == [("outcomes", "NHS", None, None, None)]
    (folder / "seeds" / "returns_owed.csv").write_text(
        "submission_type,sector,partner_code,service_kind,last_period\ntargets,,,,\n"
    )
    with pytest.raises(SeedError, match="declared twice"):
        returns_owed_frame(folder / "seeds")
    # without the key in scenario.yaml, the seeds folder's file is the declaration
    (folder / "scenario.yaml").write_text("inbox: in\n")
    assert returns_owed_frame(folder / "seeds").rows() == [("targets", None, None, None, None)]
    (folder / "seeds" / "returns_owed.csv").unlink()
    with pytest.raises(SeedError, match="no returns_owed.csv in .* and no returns_owed in .*scenario.yaml"):
        returns_owed_frame(folder / "seeds")


def test_the_nhs_england_scenario_owes_only_what_its_publications_bring_monthly():
    from assets.project_files import PROJECT_ROOT

    scenario = load_scenario("nhs-england")
    assert scenario.returns_owed is not None
    assert sorted(scenario.returns_owed) == [
        ("outcomes", None, None, "hospital_discharge", "2019-12-01"),
        ("outcomes", None, None, "hospital_discharge_england", "2019-12-01"),
        ("outcomes", None, None, "urgent_emergency_care", "2019-03-01"),
        ("targets", None, None, "urgent_emergency_care", "2019-03-01"),
    ]
    assert not (PROJECT_ROOT / "scenarios" / "nhs-england" / "seeds" / "returns_owed.csv").exists()


def test_publications_are_the_source_mappings_giving_no_partner_with_their_name_and_publisher(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    returns = "submitted_on: 2024-05-09\nreturns:\n  outcomes:\n    columns: {Org: partner_code}\n"
    (sources / "ae.yaml").write_text(
        f"name: A&E by provider\npublisher: NHS England\nfiles: ['ae/*.csv']\n{returns}"
    )
    (sources / "plain.yaml").write_text(f"files: ['plain/*.csv']\n{returns}")
    (sources / "one_trust.yaml").write_text(
        f"name: A trust's own\npartner_code: R1H\nfiles: ['t/*.csv']\n{returns}"
    )
    (sources / "broken.yaml").write_text(f"name: Broken\npublisher: [1, 2]\nfiles: ['b/*.csv']\n{returns}")
    assert publications_frame(tmp_path).rows() == [
        ("sources/ae.yaml", "A&E by provider", "NHS England"),
        ("sources/plain.yaml", "plain", None),
    ]


def test_months_are_shown_as_runs_of_consecutive_months():
    months = [date(2024, m, 1) for m in (1, 2, 3, 6, 12)] + [date(2025, 1, 1), date(2024, 2, 1)]
    assert month_ranges(months) == "January 2024 to March 2024, June 2024, December 2024 to January 2025"
    assert month_ranges([date(2019, 4, 1)]) == "April 2019"
    # after the runs shown, how many months more
    assert month_ranges(months, 2) == "January 2024 to March 2024, June 2024 and 2 months more"


def _overdue(partner: str, kind: str, period: date, deadline: date, today: date, missing: int = 1) -> dict:
    return {
        "partner_code": partner,
        "partner_name": f"Name of {partner}",
        "submission_type": kind,
        "period": period,
        "deadline": deadline,
        "returns_missing": missing,
        "days_overdue": (today - deadline).days,
    }


def test_overdue_returns_are_one_line_per_partner_and_kind_the_longest_overdue_first():
    today = date(2024, 6, 30)
    rows = [
        _overdue("P1", "outcomes", date(2024, 4, 1), date(2024, 5, 21), today),
        _overdue("P1", "outcomes", date(2024, 5, 1), date(2024, 6, 21), today, missing=2),
        _overdue("P3", "targets", date(2024, 1, 1), date(2024, 1, 31), today),
        _overdue("P1", "finance", date(2024, 2, 1), date(2024, 3, 21), today),
    ]
    assert overdue_summary(rows) == [
        {
            "partner_code": "P3",
            "partner_name": "Name of P3",
            "submission_type": "targets",
            "months": 1,
            "returns_missing": 1,
            "oldest": "January 2024",
            "oldest_deadline": "31 January 2024",
            "days_overdue": 151,
            "latest": "January 2024",
            "month_runs": "January 2024",
        },
        {
            "partner_code": "P1",
            "partner_name": "Name of P1",
            "submission_type": "finance",
            "months": 1,
            "returns_missing": 1,
            "oldest": "February 2024",
            "oldest_deadline": "21 March 2024",
            "days_overdue": 101,
            "latest": "February 2024",
            "month_runs": "February 2024",
        },
        {
            "partner_code": "P1",
            "partner_name": "Name of P1",
            "submission_type": "outcomes",
            "months": 2,
            "returns_missing": 3,
            "oldest": "April 2024",
            "oldest_deadline": "21 May 2024",
            "days_overdue": 40,
            "latest": "May 2024",
            "month_runs": "April 2024 to May 2024",
        },
    ]


def test_the_overdue_returns_of_the_nhs_england_scale_keep_the_page_under_a_megabyte():
    """89,293 overdue rows made an 18 MB page; more (443 partners, 3 kinds, 91 months from April 2019, every
    third month received for half of them) now make one line per partner and kind."""
    from assets.publish.site import NAVIGATION, template_environment

    today = date(2026, 11, 30)
    months = [date(2019 + m // 12, m % 12 + 1, 1) for m in range(91)]
    rows = [
        _overdue(f"E{p:08d}-NHS", kind, month, month + timedelta(days=50), today)
        for p in range(443)
        for kind in ("outcomes", "targets", "finance")
        for i, month in enumerate(months)
        if i % 3 or p % 2
    ]
    assert len(rows) == 3 * (221 * 91 + 222 * 60)  # 100,293
    summary = overdue_summary(rows)
    assert len(summary) == 443 * 3
    html = (
        template_environment()
        .get_template("quality.html.j2")
        .render(
            root="",
            page="data-quality.html",
            navigation=NAVIGATION,
            generated_at=datetime.now(UTC),
            partners=[],
            league=[],
            league_rule="",
            rejected=[],
            rules=[],
            quarantined=[],
            quarantined_total=0,
            overdue=summary,
            overdue_csv="o.csv",
            late_rule="",
            terms={},
        )
    )
    assert html.count("<details>") == len(summary)
    assert len(html.encode()) < 1_000_000, len(html.encode())


@pytest.mark.parametrize(
    ("row", "shown"),
    [
        (
            {
                "partner_code": None,
                "partner_name": None,
                "publication_name": "A&E by provider",
                "publisher": "NHS England",
                "mapping": "sources/ae.yaml",
            },
            ("A&E by provider", "publication by NHS England"),
        ),
        (
            {
                "partner_code": None,
                "partner_name": None,
                "publication_name": "A&E by provider",
                "publisher": None,
                "mapping": "sources/ae.yaml",
            },
            ("A&E by provider", "publication"),
        ),
        # a mapping too wrong to read names no publication: its files are shown by the mapping file
        (
            {
                "partner_code": None,
                "partner_name": None,
                "publication_name": None,
                "publisher": None,
                "mapping": "sources/ae.yaml",
            },
            ("sources/ae.yaml", "a publication's mapping file"),
        ),
        (
            {
                "partner_code": "R1H",
                "partner_name": "Barts Health",
                "publication_name": None,
                "publisher": None,
                "mapping": None,
            },
            ("Barts Health", "R1H"),
        ),
        (
            {
                "partner_code": "R9Z",
                "partner_name": None,
                "publication_name": None,
                "publisher": None,
                "mapping": None,
            },
            ("Not a known partner", "R9Z"),
        ),
        (
            {
                "partner_code": None,
                "partner_name": None,
                "publication_name": None,
                "publisher": None,
                "mapping": None,
            },
            ("Not a known partner", "no partner code"),
        ),
    ],
)
def test_files_are_shown_as_their_publications_or_partners(row, shown):
    assert tuple(sent_by(row).values()) == shown

"""A service page is digested by what it is built from, each input cut to the service: a change to an input
re-renders exactly the pages built from it, and a page carried over is the bytes of a whole render."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from assets.publish.board_rules import BoardRules
from assets.publish.headline import PeerCounts
from assets.publish.marts import Marts
from assets.publish.page_inputs import RECORD
from assets.publish.site import render_site
from assets.publish.spc_series import SpcSeries
from tests.publish_fixtures import build_site_warehouse

YESTERDAY = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
TODAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
RULES = BoardRules(min_peers=2)
# the index shows the data's age on the day of publication: a day later, it is rendered again
INDEX = "index.html"
EVERY_SERVICE = ["services/s1.html", "services/s2.html", "services/s3.html"]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def yesterday(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The partnership's warehouse and the site published from it yesterday."""
    tmp = tmp_path_factory.mktemp("service-inputs")
    build_site_warehouse(tmp / "warehouse.duckdb").close()
    with duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True) as con:
        render_site(con, tmp / "site", RULES, None, None, YESTERDAY)
    return tmp / "warehouse.duckdb", tmp / "site"


def _today(
    yesterday: tuple[Path, Path], tmp_path: Path, change: list[str], rules: BoardRules = RULES
) -> tuple[dict[str, Any], dict[str, bytes], dict[str, bytes]]:
    """Today's site after `change` (SQL run on a copy of yesterday's warehouse), carried over from
    yesterday's: its summary, its files, and the files of a whole render of the same warehouse."""
    warehouse, site = yesterday
    shutil.copy(warehouse, tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        for sql in change:
            con.execute(sql)
        summary = render_site(con, tmp_path / "carried", rules, None, site, TODAY)
        render_site(con, tmp_path / "whole", rules, None, None, TODAY)
    return summary, _files(tmp_path / "carried"), _files(tmp_path / "whole")


def _changed_pages(site: Path, today: dict[str, bytes]) -> list[str]:
    """The pages of today's site that show something yesterday's did not, the publication time aside."""
    before, after = (json.loads(files[RECORD])["footer"].encode() for files in (_files(site), today))
    return [
        name
        for name, data in today.items()
        if name.endswith(".html") and data != (site / name).read_bytes().replace(before, after)
    ]


LATEST = "(select max(period) from marts.fct_measure_period)"
# each change: the SQL that makes it, the pages that show it, and the pages rendered again without showing
# it (an input they read changed: only a whole render tells whether they show it)
CHANGES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "nothing": ([], [], []),
    # a reference table, digested once for every service page: S1 is rendered again though no partner of
    # it was renamed; the data-quality page lists the partners
    "a partner's name": (
        ["update marts.dim_partner set partner_name = 'Borough council' where partner_code = 'P2'"],
        ["data-quality.html", "services/s2.html", "services/s3.html"],
        ["services/s1.html"],
    ),
    "one service's staffing rates": (
        [
            "update marts.fct_workforce_service_period set vacancy_rate = vacancy_rate + 1 "
            f"where service_code = 'S1' and period = {LATEST}"
        ],
        ["services/s1.html"],
        [],
    ),
    "one service's pay": (
        [
            "update marts.fct_workforce_period set mean_annual_pay_per_fte = mean_annual_pay_per_fte + 600 "
            f"where service_code = 'S2' and period = {LATEST}"
        ],
        ["services/s2.html"],
        [],
    ),
    "a partner's comment on one service's measure": (
        [
            "insert into marts.fct_measure_comments (service_code, measure_code, period, period_grain, "
            "partner_code, comment, file_name, submitted_on) values ('S1', 'RATE', '2025-12-01', 'month', "
            "'P1', 'Two nurses left in November.', 'p1.csv', '2026-01-10')"
        ],
        ["services/s1.html"],
        [],
    ),
    "one service's report card and its action": (
        [
            "insert into marts.fct_report_card (service_code, measure_code, period, quarter_label, deadline, "
            "card_status, as_of, is_latest_card, story, partners_with_a_role, what_works, actions, "
            "actions_done, actions_overdue, sent_by_partner_code, file_name, submitted_on, is_restated) "
            "values ('S2', 'LOW', '2025-10-01', 'Q3 2025/26', '2026-01-21', 'on time', '2026-03-01', true, "
            "'Fewer staff over winter.', 'P2', 'Early visits.', 1, 0, 0, 'P2', 'card.csv', '2026-01-12', "
            "false)",
            "insert into marts.fct_action_plan (service_code, measure_code, period, quarter_label, "
            "action_number, action, owner_partner_code, due_date, status, as_of, is_overdue, days_overdue, "
            "is_on_latest_card, sent_by_partner_code, file_name, submitted_on) values ('S2', 'LOW', "
            "'2025-10-01', 'Q3 2025/26', 1, 'Recruit two nurses.', 'P2', '2026-06-30', 'in progress', "
            "'2026-03-01', false, 0, true, 'P2', 'card.csv', '2026-01-12')",
        ],
        ["services/s2.html"],
        [],
    ),
    "a point of one service's SPC series": (
        [
            "update marts.fct_measure_spc set value = value + 0.5 "
            "where service_code = 'S1' and measure_code = 'OUT' and period = '2025-06-01'"
        ],
        ["services/s1.html"],
        [],
    ),
    # S1's path chart counts S2 among its peers in its latest month, and S1's quadrant is judged on the
    # number of its kind's services with an index; S3, of another kind, is carried over
    "a peer's latest index gone": (
        [
            "update marts.scorecard_service_period set efficiency_index = null "
            "where service_code = 'S2' and period = '2025-12-01'"
        ],
        ["services/s1.html", "services/s2.html"],
        [],
    ),
    # a month after S1's latest: S2's page and the index show it; S1's quadrant reads its own latest
    # month's count, and its path chart that month's peers, so it is carried over
    "a peer's new month": (
        [
            "insert into marts.scorecard_service_period "
            "select * replace (cast(period + interval 1 month as date) as period) "
            "from marts.scorecard_service_period where service_code = 'S2' and period = '2025-12-01'"
        ],
        ["services/s2.html"],
        [],
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_renders_the_pages_built_from_it_and_carries_the_others_over(yesterday, tmp_path, change):
    sql, shown, read = CHANGES[change]
    summary, carried, whole = _today(yesterday, tmp_path, sql)
    assert summary["rendered"] == sorted([INDEX, *shown, *read])
    assert _changed_pages(yesterday[1], whole) == sorted([INDEX, *shown])
    assert carried.keys() == whole.keys()
    assert [name for name in carried if carried[name] != whole[name]] == []


def test_the_board_rules_are_read_by_every_service_page(yesterday, tmp_path):
    summary, carried, whole = _today(yesterday, tmp_path, [], BoardRules(min_peers=3))
    assert summary["rendered"] == [INDEX, *EVERY_SERVICE]
    # with fewer than 3 services of its kind, S1 and S2 are judged on their targets alone
    assert _changed_pages(yesterday[1], whole) == [INDEX, "services/s1.html", "services/s2.html"]
    assert [name for name in carried if carried[name] != whole[name]] == []


def _series(rows_json: str) -> SpcSeries:
    return SpcSeries(rows_json, "Jan 2025", "Feb 2025", (), [], [], None, 1, [], [], "")


def test_marts_for_a_service_hold_only_its_rows_and_the_reference_tables_whole():
    march = date(2026, 3, 1)
    services = [
        {"service_code": "A", "service_kind": "care"},
        {"service_code": "B", "service_kind": "care"},
        {"service_code": "C", "service_kind": "discharge"},
    ]
    by_service = defaultdict(list, {code: [{"service_code": code, "period": march}] for code in "ABC"})
    by_measure = {(code, measure): [{"measure_code": measure}] for code in "CBA" for measure in ("Y", "X")}
    marts = Marts(
        services=services,
        partners={"P": {"partner_name": "Council"}},
        measures={"X": {"measure_name": "Ex"}},
        staff_groups={"NURSE": "Nurse"},
        scorecard=by_service,
        measure_periods=by_service,
        spc={},
        spc_status={("A", "X"): {"variation": None}, ("B", "X"): {"variation": None}},
        workforce=defaultdict(list),
        coverage={"B": {"months_with_workforce": 1}},
        pay=by_service,
        pay_gaps=by_service,
        associations=defaultdict(list, {"care": [{"lag_months": 0}], "discharge": [{"lag_months": 1}]}),
        accountability=by_service,
        red={("C", "Y"): {"months_red": 2}},
        association_tests={"tests": 4, "discoveries": 1},
        comments=by_measure,
        report_cards=by_measure,
        actions={},
    )
    series = {(code, "X"): _series(f"[{code}]") for code in "BA"}
    batch = marts.with_spc(series)
    own = batch.for_service("A")

    assert own.services == [services[0]]
    assert own.scorecard == {"A": by_service["A"]} and type(own.scorecard) is defaultdict
    assert own.workforce == {} and type(own.workforce) is defaultdict  # absent stays absent
    assert own.coverage == {} and own.red == {} and own.actions == {}
    assert own.spc == {("A", "X"): series[("A", "X")]}
    assert own.spc_status == {("A", "X"): {"variation": None}}
    assert list(own.comments) == [("A", "X"), ("A", "Y")]  # in key order
    assert own.associations == {"care": [{"lag_months": 0}]}
    assert batch.for_service("B").coverage == {"B": {"months_with_workforce": 1}}
    assert marts.for_service("C").red == {("C", "Y"): {"months_red": 2}} and marts.for_service("C").spc == {}
    for name in ("partners", "measures", "staff_groups", "association_tests"):
        assert getattr(own, name) is getattr(marts, name)


def test_peer_counts_at_a_month_hold_that_kind_and_month_alone():
    march, april = date(2026, 3, 1), date(2026, 4, 1)
    counts = PeerCounts.of(
        _peer_marts(
            {"A": "care", "B": "care", "C": "discharge"},
            {"A": [march, april], "B": [april], "C": [april]},
        )
    )
    care = counts.at("care", april)
    assert dict(care.counts) == {("care", april): 2}
    assert (care.of_kind("care", april), care.of_kind("care", march)) == (2, 0)
    assert dict(counts.at("discharge", march).counts) == {("discharge", march): 0}


def _peer_marts(kinds: dict[str, str], months: dict[str, list[date]]) -> Marts:
    empty: dict[str, Any] = {field: {} for field in Marts.__dataclass_fields__}
    return Marts(
        **empty
        | {
            "services": [{"service_code": code, "service_kind": kind} for code, kind in kinds.items()],
            "scorecard": {
                code: [{"period": period, "efficiency_index": 100.0} for period in periods]
                for code, periods in months.items()
            },
        }
    )

"""The Data Docs' index (assets/validate/data_docs.py) when the partnership's areas were validated one by
one (area partitions): one row per suite, the areas combined, each area's result a link; no run."""

import re
from datetime import datetime
from html import escape

from assets.validate.data_docs import index_rows, page_path
from assets.validate.records import StoredResult


def _result(suite: str, table: str, broken: list[str], area: str | None, hour: int) -> StoredResult:
    rules = ["known_partner", "period_in_range", "value_not_negative"]
    outcomes = [
        {"success": rule not in broken, "expectation_config": {"id": rule, "type": "t", "kwargs": {}}}
        for rule in rules
    ]
    result = {
        "success": not broken,
        "results": outcomes,
        "statistics": {"evaluated_expectations": len(rules), "unsuccessful_expectations": len(broken)},
    }
    return StoredResult(suite, table, f"run-{area}", 0, result, datetime(2026, 11, 30, hour), area)


AREAS = [
    _result("submission_outcomes", "raw.outcomes", ["known_partner", "period_in_range"], "North", 1),
    _result("submission_outcomes", "raw.outcomes", ["known_partner"], "O'Kent <Weald>", 3),
    _result("submission_outcomes", "raw.outcomes", [], "East", 2),
]
WHOLE = _result("mart_fct_measure_period", "marts.fct_measure_period", [], None, 4)


def test_areas_are_one_row_per_suite_naming_each_area_that_broke_a_rule():
    combined, whole = index_rows([*AREAS, WHOLE])
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", combined, re.S)
    # latest time, the suite's 3 rules, 2 distinct rules broken in any area, the worst outcome
    assert cells[2:5] == ["2026-11-30 03:00", "3", "2"]
    assert "rows held back" in cells[5]
    assert (
        "3 areas; rules broken in 2: North (2), O&#x27;Kent &lt;Weald&gt; (1), 3 in all" in combined
    )  # names are escaped
    for stored in AREAS:  # every area's own result is reachable
        assert f'href="{escape(page_path(stored))}"' in combined
    assert "East</a>: passed, 0 of 3 rules broken" in combined
    assert whole.endswith("<td>—</td></tr>\n") and "passed" in whole  # a table validated whole


def test_a_run_of_the_whole_partnership_has_no_areas_column():
    (row,) = index_rows([WHOLE])
    assert len(re.findall(r"<t[dh][ >]", row)) == 6 and "—" not in row
    passing = index_rows([_result("s", "raw.outcomes", [], area, 1) for area in ("A", "B")])
    assert len(passing) == 1 and "2 areas, no rule broken" in passing[0]

"""The demo drop folder: deterministic, named per the contract, and true to its manifest."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from python_calamine import CalamineWorkbook

from assets.contract import SUBMISSION_TYPES
from assets.ingest.files import parse_file_name
from assets.ingest.partners import PartnerProfile, load_profiles
from assets.ingest.reader import extract_rows, read_sheets
from assets.validate.numbers import parse_number
from assets.validate.periods import parse_periods
from pipelines.demo.reference import build_reference
from pipelines.demo.submissions import generate_demo
from pipelines.settings import PARTNERS_DIR

SEEDS = Path(__file__).resolve().parents[1] / "dbt_like_sql" / "seeds"
FILE_NAME = re.compile(r"^(?P<partner>[A-Z0-9-]+)_(?P<date>\d{8})(?:_(?P<label>[^.]+))?\.(csv|xlsx)$")
TEXT_COLUMNS = {"partner_code", "service_code", "measure_code", "period", "staff_group_code", "comment"}
KEYS = {
    "targets": ["service_code", "measure_code", "period"],
    "outcomes": ["partner_code", "service_code", "measure_code", "period"],
    "workforce": ["partner_code", "service_code", "staff_group_code", "period"],
    "finance": ["partner_code", "service_code", "period"],
}
UNIT_SCALE = {"percent": 100, "rate_per_1000": 1000}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("demo")
    return root, generate_demo(root, scale="small", seed=7)


@pytest.fixture(scope="module")
def texts(demo) -> dict[str, pl.DataFrame]:
    """Every submitted row per type as text in contract columns (read as the pipeline reads it)."""
    root, manifest = demo
    profiles, problems = load_profiles(root / "partners")
    assert not problems
    return {
        kind: pl.concat(
            [_read(root, path, profiles) for path in manifest["files"] if path.startswith(f"{kind}/")]
        )
        for kind in KEYS
    }


@pytest.fixture(scope="module")
def submitted(texts) -> dict[str, pl.DataFrame]:
    """Every submitted monthly row per type, typed, periods as YYYY-MM, suppressed rows left out."""
    return {kind: _typed(kind, frame).filter(pl.col("grain") == "month") for kind, frame in texts.items()}


@pytest.fixture(scope="module")
def loaded(demo, submitted) -> dict[str, pl.DataFrame]:
    """Rows a correct pipeline keeps: planted quarantines dropped, latest submission per key."""
    _, manifest = demo
    quarantined = pl.DataFrame(
        [
            (f["file"], f["sheet"], f["row_number"])
            for f in manifest["faults"]
            if f["expect"] == "quarantined"
        ],
        schema={"file": pl.String, "sheet": pl.String, "row_number": pl.Int64},
        orient="row",
    )
    return {
        kind: frame.join(quarantined, on=["file", "sheet", "row_number"], how="anti", nulls_equal=True)
        .sort("submitted", "file")
        .unique(KEYS[kind], keep="last", maintain_order=True)
        for kind, frame in submitted.items()
    }


def _read(root: Path, path: str, profiles: dict[str, PartnerProfile]) -> pl.DataFrame:
    kind, name = path.split("/")
    partner, _, extension = parse_file_name(name)
    profile = profiles.get(partner, PartnerProfile(partner))
    sheets, _ = read_sheets(extension, (root / "inbox" / path).read_bytes())
    columns = SUBMISSION_TYPES[kind].columns
    extract = extract_rows(SUBMISSION_TYPES[kind], sheets, profile.mapping(SUBMISSION_TYPES[kind]))
    written = FILE_NAME.match(name)
    assert extract is not None and written is not None  # strict, and a name parse_file_name has read
    frame = pl.DataFrame(
        extract.rows,
        orient="row",
        schema={"sheet": pl.String, "row_number": pl.Int64} | dict.fromkeys(columns, pl.String),
    )
    return frame.with_columns(
        pl.col(columns).str.strip_chars(),
        file=pl.lit(path),
        submitted=pl.lit(written["date"]),
        date_order=pl.lit(profile.date_order, pl.String),
    )


def _typed(kind: str, texts: pl.DataFrame) -> pl.DataFrame:
    """Periods to YYYY-MM with their grain; figures to numbers; rows with a suppressed figure dropped."""
    numeric = [
        c
        for c in texts.columns
        if c not in TEXT_COLUMNS | {"file", "sheet", "row_number", "submitted", "date_order"}
    ]
    typed = parse_periods(texts).with_columns(
        pl.col("period").dt.strftime("%Y-%m"), pl.col("period_grain").alias("grain")
    )
    return (
        typed.filter(~pl.any_horizontal(pl.col(numeric) == "*"))
        .with_columns(parse_number(c) for c in numeric)
        .drop("date_order", "period_grain", "period_rule", "period_problem")
    )


def _service_values(outcomes: pl.DataFrame) -> pl.DataFrame:
    units = dict(build_reference(3)["measures"].select("measure_code", "unit").iter_rows())
    return (
        outcomes.group_by("service_code", "measure_code", "period")
        .agg(pl.col("numerator").sum(), pl.col("denominator").sum(), pl.col("value").sum())
        .with_columns(
            result=pl.when(pl.col("denominator") > 0)
            .then(
                pl.col("numerator")
                / pl.col("denominator")
                * pl.col("measure_code").replace_strict(units).replace_strict(UNIT_SCALE, default=None)
            )
            .otherwise(pl.col("value"))
        )
    )


def _staffing(workforce: pl.DataFrame) -> pl.DataFrame:
    return workforce.group_by("service_code", "period").agg(
        vacancy=100
        * pl.col("vacant_fte").sum()
        / (pl.col("contracted_fte").sum() + pl.col("vacant_fte").sum()),
        agency=100
        * pl.col("agency_fte").sum()
        / (pl.col("contracted_fte").sum() + pl.col("agency_fte").sum()),
    )


def _annual_pay(workforce: pl.DataFrame, by: str) -> dict[str, float]:
    return dict(
        workforce.group_by(by).agg(12 * pl.col("pay_bill").sum() / pl.col("contracted_fte").sum()).iter_rows()
    )


def _fixed_effects_slope(frame: pl.DataFrame) -> float:
    within = frame.with_columns(
        (pl.col(c) - pl.col(c).mean().over("service_code")).alias(c) for c in ("vacancy", "result")
    )
    x, y = within["vacancy"].to_numpy(), within["result"].to_numpy()
    return float(x @ y / (x @ x))


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_writes_identical_files(demo, tmp_path):
    root, _ = demo
    generate_demo(tmp_path, scale="small", seed=7)
    assert _files(tmp_path) == _files(root)


def test_file_names_follow_the_contract(demo, submitted):
    root, manifest = demo
    partners = set(build_reference(3)["partners"]["partner_code"])
    span = (
        pl.concat(f.select("file", "period") for f in submitted.values())
        .group_by("file")
        .agg(pl.col("period").min().alias("first"), pl.col("period").max().alias("last"))
    )
    for path, first, last in span.iter_rows():
        match = FILE_NAME.match(path.split("/")[1])
        assert match and match["partner"] in partners, path
        day = (int(match["date"][:4]), int(match["date"][4:6]))
        if path.startswith("targets/"):  # targets are set before the months they cover
            assert day < (int(first[:4]), int(first[5:])), path
        else:  # returns come after the months they report
            assert day > (int(last[:4]), int(last[5:])), path
    assert sorted(p.relative_to(root / "inbox").as_posix() for p in (root / "inbox").rglob("*.*")) == sorted(
        [*manifest["files"], *(r["file"] for r in manifest["rejects"])]
    )
    xlsx_senders = {
        FILE_NAME.match(p.split("/")[1])["partner"]
        for p, info in manifest["files"].items()
        if info["format"] == "xlsx"
    }
    assert len(xlsx_senders) >= 2
    assert {p.split("-")[1] for p in xlsx_senders} == set(manifest["xlsx_partner_types"])
    files = manifest["totals"]["files"]
    assert (files["targets"], files["workforce"], files["finance"]) == (9 * 3, 18 * 12, 18 * 12)
    month = pl.col("period").str.slice(0, 4).cast(pl.Int64) * 12 + pl.col("period").str.slice(5, 2).cast(
        pl.Int64
    )
    quarters = submitted["outcomes"].select("partner_code", quarter=(month - 4) // 3).unique()
    quarterly = len(manifest["truths"]["quarterly"])
    assert quarterly == 12
    assert files["outcomes"] == quarters.height + 1 + quarterly  # plus the resubmission


def test_partners_send_the_shapes_real_partners_send(demo):
    root, manifest = demo
    inbox = root / "inbox"
    files = manifest["files"]
    template = next(p for p in files if p.startswith("workforce/NOR-EDU"))
    sheet = CalamineWorkbook.from_path(str(inbox / template)).get_sheet_by_name("Return")
    cells = sheet.to_python(skip_empty_area=False)
    assert cells[0][0].startswith("Northshire Learning Trust") and cells[4][0] == "Partner code"
    assert ((3, 0), (3, 3)) in sheet.merged_cell_ranges  # "Who and when" over the ids
    assert isinstance(cells[5][cells[4].index("Pay bill")], str)  # numbers stored as text
    monthly = next(p for p in files if p.startswith("workforce/NOR-VCS"))
    assert files[monthly]["sheets"] == ["Apr 2023", "May 2023", "Jun 2023"]
    serials = next(p for p in files if p.startswith("finance/NOR-VCS"))
    first = CalamineWorkbook.from_path(str(inbox / serials)).get_sheet_by_index(0).to_python()
    assert isinstance(first[1][first[0].index("period")], float)  # an Excel date serial
    own = (inbox / next(p for p in files if p.startswith("outcomes/NOR-ACUTE"))).read_text()
    assert own.startswith("Org Code,Scheme,Indicator,Month,") and "DIS-01" in own and "Apr-23" in own
    day_first = (inbox / next(p for p in files if p.startswith("finance/EAS-LA"))).read_bytes()
    assert day_first.startswith(b"\xef\xbb\xbf") and b"01/04/2023" in day_first and "£".encode() in day_first
    encodings = {info["encoding"] for info in files.values()}
    assert {"utf-8", "utf-8-sig", "cp1252", "latin-1", None} <= encodings
    quarterly = (inbox / manifest["truths"]["quarterly"][0]["file"]).read_text()
    assert "Q1 2023/24" in quarterly


def test_committed_partner_mappings_are_the_small_demos(demo):
    root, _ = demo
    generated = {p.name: p.read_text() for p in (root / "partners").glob("*.yaml")}
    assert generated == {p.name: p.read_text() for p in PARTNERS_DIR.glob("*.yaml")}


def test_reference_matches_build_reference_and_committed_seeds(demo):
    root, _ = demo
    for name, frame in build_reference(3).items():
        assert pl.read_csv(root / "reference" / f"{name}.csv").equals(frame), name
        assert pl.read_csv(SEEDS / f"{name}.csv").equals(frame), name


def test_manifest_totals_match_the_files(demo, texts):
    _, manifest = demo
    for kind, frame in texts.items():
        assert manifest["totals"]["rows"][kind] == frame.height
        counts = dict(frame.group_by("file").len().iter_rows())
        assert counts == {p: i["rows"] for p, i in manifest["files"].items() if p.startswith(f"{kind}/")}


def test_outcomes_get_worse_with_vacancies_and_effort_does_not(demo, loaded):
    _, manifest = demo
    truth = manifest["truths"]["vacancy_effect"]
    step = manifest["truths"]["step_change"]
    values = _service_values(loaded["outcomes"]).join(
        _staffing(loaded["workforce"]), on=["service_code", "period"]
    )
    assert values["vacancy"].min() > 2 and values["vacancy"].max() < 27
    for measure, slope in truth["slope_by_measure"].items():
        estimate = _fixed_effects_slope(values.filter(pl.col("measure_code") == measure))
        assert estimate == pytest.approx(slope, rel=0.3), measure
    for measure in truth["null_measures"]:
        estimate = _fixed_effects_slope(
            values.filter(
                (pl.col("measure_code") == measure) & (pl.col("service_code") != step["service_code"])
            )
        )
        assert abs(estimate) < 0.15, measure


def test_unit_cost_rises_with_agency_share(demo, loaded):
    _, manifest = demo
    truth = manifest["truths"]["agency_cost"]
    outputs = _service_values(loaded["outcomes"]).filter(
        pl.col("measure_code") == pl.col("service_code").replace_strict(truth["output_measure_by_service"])
    )
    costs = (
        loaded["finance"]
        .group_by("service_code", "period")
        .agg(cost=(pl.col("pay_cost") + pl.col("non_pay_cost")).sum())
    )
    frame = (
        costs.join(outputs, on=["service_code", "period"])
        .join(_staffing(loaded["workforce"]), on=["service_code", "period"])
        .with_columns(
            expected=pl.col("service_code").replace_strict(truth["base_unit_cost_by_service"])
            * (1 + truth["k"] * pl.col("agency") / 100)
        )
    )
    assert frame.height == 9 * 36
    assert np.allclose(frame["cost"] / frame["result"], frame["expected"], rtol=1e-6)
    assert frame["agency"].min() >= 0 and frame["agency"].max() <= 20
    assert frame["agency"].std() > 2


def test_step_change_shifts_the_measure(demo, loaded):
    _, manifest = demo
    step = manifest["truths"]["step_change"]
    series = _service_values(loaded["outcomes"]).filter(
        (pl.col("service_code") == step["service_code"]) & (pl.col("measure_code") == step["measure_code"])
    )
    after = series.filter(pl.col("period") >= step["first_period"])["result"].mean()
    before = series.filter(pl.col("period") < step["first_period"])["result"].mean()
    assert after - before == pytest.approx(step["delta"], abs=2)


def test_pay_gaps_recomputed_from_workforce_rows(demo, loaded):
    _, manifest = demo
    gaps = manifest["truths"]["pay_gap"]
    employer, profession = gaps["employer"], gaps["profession"]
    rows = loaded["workforce"].filter(pl.col("service_code") == employer["service_code"])
    by_partner = _annual_pay(
        rows.filter(pl.col("staff_group_code") == employer["staff_group_code"]), "partner_code"
    )
    for partner, pay in employer["annual_pay_per_fte"].items():
        assert by_partner[partner] == pytest.approx(pay, rel=1e-4)
    high, low = (by_partner[employer[f"{k}_paid_partner_code"]] for k in ("higher", "lower"))
    assert 100 * (high - low) / low == pytest.approx(employer["gap_pct"], abs=0.01)
    assert employer["gap_pct"] > 5
    by_group = _annual_pay(rows, "staff_group_code")
    for group, pay in profession["annual_pay_per_fte"].items():
        assert by_group[group] == pytest.approx(pay, rel=1e-4)
    high, low = (by_group[profession[f"{k}_paid_staff_group_code"]] for k in ("higher", "lower"))
    assert 100 * (high - low) / low == pytest.approx(profession["gap_pct"], abs=0.01)


def test_resubmission_corrects_one_month(demo, submitted):
    _, manifest = demo
    resub = manifest["truths"]["resubmission"]
    outcomes = submitted["outcomes"]
    resub_rows = outcomes.filter(pl.col("file") == resub["file"])
    assert FILE_NAME.match(resub["file"].split("/")[1])["label"] == "resub"
    assert (
        resub_rows["submitted"][0] > outcomes.filter(pl.col("file") == resub["original_file"])["submitted"][0]
    )
    originals = outcomes.filter(
        (pl.col("file") == resub["original_file"]) & (pl.col("period") == resub["period"])
    )
    assert resub_rows.height == originals.height == resub["rows_in_file"]
    assert set(resub_rows["partner_code"]) == {resub["partner_code"]}
    for file, row, expected in [
        (resub["file"], resub["row_number"], resub["corrected"]),
        (resub["original_file"], resub["original_row_number"], resub["original"]),
    ]:
        found = outcomes.filter((pl.col("file") == file) & (pl.col("row_number") == row)).row(0, named=True)
        assert (found["service_code"], found["measure_code"], found["period"]) == (
            resub["service_code"],
            resub["measure_code"],
            resub["period"],
        )
        assert (found["numerator"], found["denominator"]) == (expected["numerator"], expected["denominator"])
    assert resub["original"] != resub["corrected"]


def test_every_fault_is_where_the_manifest_says(demo, texts):
    root, manifest = demo
    measures = set(build_reference(3)["measures"]["measure_code"])
    assert {f["fault"] for f in manifest["faults"]} == {
        "cp1252",
        "latin1",
        "mojibake",
        "suppressed",
        "ligature_damage",
        "duplicate_row",
        "negative_count",
        "unknown_measure",
    }
    for fault in manifest["faults"]:
        kind = fault["file"].split("/")[0]
        rows = (
            _typed(kind, texts[kind].filter(pl.col("file") == fault["file"]))
            if fault["fault"] in ("negative_count", "duplicate_row")
            else texts[kind].filter(pl.col("file") == fault["file"])
        )
        rows = rows.filter(pl.col("sheet").eq_missing(fault["sheet"]))
        row = rows.filter(pl.col("row_number") == fault["row_number"]).row(0, named=True)
        if fault["column"] is not None:
            assert row[fault["column"]] == fault["value"], fault
        if fault["fault"] in ("cp1252", "latin1"):
            raw = (root / "inbox" / fault["file"]).read_bytes()
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            assert all(c in row["comment"] for c in ("£“”–" if fault["fault"] == "cp1252" else "£é"))
        elif fault["fault"] == "mojibake":
            assert "Ã©" in row["comment"] and fault["loaded_value"] != fault["value"]
        elif fault["fault"] == "suppressed":
            assert row[fault["column"]] == "*"
        elif fault["fault"] == "ligature_damage":
            assert re.search(r"[a-z][WXYV][a-z]", row["comment"]), fault
        elif fault["fault"] == "duplicate_row":
            previous = rows.filter(pl.col("row_number") == fault["row_number"] - 1)
            assert previous.drop("row_number").row(0) == rows.filter(
                pl.col("row_number") == fault["row_number"]
            ).drop("row_number").row(0)
        elif fault["fault"] == "negative_count":
            assert row[fault["column"]] < 0
        elif fault["fault"] == "unknown_measure":
            assert row["measure_code"] not in measures

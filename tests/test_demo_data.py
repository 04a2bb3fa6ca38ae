"""The demo drop folder: deterministic, named per the contract, and true to its manifest."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipelines.demo.reference import build_reference
from pipelines.demo.submissions import generate_demo

SEEDS = Path(__file__).resolve().parents[1] / "dbt_like_sql" / "seeds"
FILE_NAME = re.compile(r"^(?P<partner>[A-Z0-9-]+)_(?P<date>\d{8})(?:_(?P<label>[^.]+))?\.(csv|xlsx)$")
TEXT_COLUMNS = {"partner_code", "service_code", "measure_code", "period", "staff_group_code",
                "comment"}
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
def submitted(demo) -> dict[str, pl.DataFrame]:
    """Every submitted row per type, with its file, row number and submission date."""
    root, manifest = demo
    return {kind: pl.concat([_read(root, path, info["encoding"])
                             for path, info in manifest["files"].items()
                             if path.startswith(f"{kind}/")], how="diagonal")
            for kind in KEYS}


@pytest.fixture(scope="module")
def loaded(demo, submitted) -> dict[str, pl.DataFrame]:
    """Rows a correct pipeline keeps: planted quarantines dropped, latest submission per key."""
    _, manifest = demo
    quarantined = pl.DataFrame(
        [(f["file"], f["row_number"]) for f in manifest["faults"] if f["expect"] == "quarantined"],
        schema={"file": pl.String, "row_number": pl.Int64}, orient="row")
    return {kind: frame.join(quarantined, on=["file", "row_number"], how="anti")
            .sort("submitted", "file").unique(KEYS[kind], keep="last", maintain_order=True)
            for kind, frame in submitted.items()}


def _read(root: Path, path: str, encoding: str | None) -> pl.DataFrame:
    file = root / "inbox" / path
    if file.suffix == ".xlsx":
        frame = pl.read_excel(file, engine="calamine")
    else:
        frame = pl.read_csv(file, encoding=encoding, infer_schema=False)
    return frame.select(
        pl.col(c).cast(pl.String if c in TEXT_COLUMNS else pl.Float64) for c in frame.columns
    ).with_columns(file=pl.lit(path), row_number=pl.int_range(pl.len()) + 2,
                   submitted=pl.lit(FILE_NAME.match(file.name)["date"]))


def _service_values(outcomes: pl.DataFrame) -> pl.DataFrame:
    units = dict(build_reference(3)["measures"].select("measure_code", "unit").iter_rows())
    return outcomes.group_by("service_code", "measure_code", "period").agg(
        pl.col("numerator").sum(), pl.col("denominator").sum(), pl.col("value").sum()
    ).with_columns(result=pl.when(pl.col("denominator") > 0).then(
        pl.col("numerator") / pl.col("denominator")
        * pl.col("measure_code").replace_strict(units).replace_strict(UNIT_SCALE, default=None)
    ).otherwise(pl.col("value")))


def _staffing(workforce: pl.DataFrame) -> pl.DataFrame:
    return workforce.group_by("service_code", "period").agg(
        vacancy=100 * pl.col("vacant_fte").sum()
        / (pl.col("contracted_fte").sum() + pl.col("vacant_fte").sum()),
        agency=100 * pl.col("agency_fte").sum()
        / (pl.col("contracted_fte").sum() + pl.col("agency_fte").sum()))


def _annual_pay(workforce: pl.DataFrame, by: str) -> dict[str, float]:
    return dict(workforce.group_by(by).agg(
        12 * pl.col("pay_bill").sum() / pl.col("contracted_fte").sum()).iter_rows())


def _fixed_effects_slope(frame: pl.DataFrame) -> float:
    within = frame.with_columns(
        (pl.col(c) - pl.col(c).mean().over("service_code")).alias(c) for c in ("vacancy", "result"))
    x, y = within["vacancy"].to_numpy(), within["result"].to_numpy()
    return float(x @ y / (x @ x))


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_same_seed_writes_identical_files(demo, tmp_path):
    root, _ = demo
    generate_demo(tmp_path, scale="small", seed=7)
    assert _files(tmp_path) == _files(root)


def test_file_names_follow_the_contract(demo, submitted):
    root, manifest = demo
    partners = set(build_reference(3)["partners"]["partner_code"])
    span = pl.concat(f.select("file", "period") for f in submitted.values()).group_by(
        "file").agg(pl.col("period").min().alias("first"), pl.col("period").max().alias("last"))
    for path, first, last in span.iter_rows():
        match = FILE_NAME.match(path.split("/")[1])
        assert match and match["partner"] in partners, path
        day = (int(match["date"][:4]), int(match["date"][4:6]))
        if path.startswith("targets/"):  # targets are set before the months they cover
            assert day < (int(first[:4]), int(first[5:])), path
        else:  # returns come after the months they report
            assert day > (int(last[:4]), int(last[5:])), path
    assert sorted(p.relative_to(root / "inbox").as_posix()
                  for p in (root / "inbox").rglob("*.*")) == sorted(manifest["files"])
    xlsx_senders = {FILE_NAME.match(p.split("/")[1])["partner"]
                    for p, info in manifest["files"].items() if info["format"] == "xlsx"}
    assert len(xlsx_senders) >= 2
    assert {p.split("-")[1] for p in xlsx_senders} == set(manifest["xlsx_partner_types"])
    files = manifest["totals"]["files"]
    assert (files["targets"], files["workforce"], files["finance"]) == (9 * 3, 18 * 12, 18 * 12)
    month = (pl.col("period").str.slice(0, 4).cast(pl.Int64) * 12
             + pl.col("period").str.slice(5, 2).cast(pl.Int64))
    quarters = submitted["outcomes"].select("partner_code", quarter=(month - 4) // 3).unique()
    assert files["outcomes"] == quarters.height + 1  # plus the resubmission


def test_xlsx_numbers_are_numbers(demo):
    root, manifest = demo
    path = next(p for p in manifest["files"] if p.startswith("workforce/") and p.endswith("xlsx"))
    schema = pl.read_excel(root / "inbox" / path, engine="calamine").schema
    assert schema["contracted_fte"] == pl.Float64 and schema["headcount"].is_integer()


def test_reference_matches_build_reference_and_committed_seeds(demo):
    root, _ = demo
    for name, frame in build_reference(3).items():
        assert pl.read_csv(root / "reference" / f"{name}.csv").equals(frame), name
        assert pl.read_csv(SEEDS / f"{name}.csv").equals(frame), name


def test_manifest_totals_match_the_files(demo, submitted):
    _, manifest = demo
    for kind, frame in submitted.items():
        assert manifest["totals"]["rows"][kind] == frame.height
        counts = dict(frame.group_by("file").len().iter_rows())
        assert counts == {p: i["rows"] for p, i in manifest["files"].items()
                          if p.startswith(f"{kind}/")}


def test_outcomes_get_worse_with_vacancies_and_effort_does_not(demo, loaded):
    _, manifest = demo
    truth = manifest["truths"]["vacancy_effect"]
    step = manifest["truths"]["step_change"]
    values = _service_values(loaded["outcomes"]).join(
        _staffing(loaded["workforce"]), on=["service_code", "period"])
    assert values["vacancy"].min() > 2 and values["vacancy"].max() < 27
    for measure, slope in truth["slope_by_measure"].items():
        estimate = _fixed_effects_slope(values.filter(pl.col("measure_code") == measure))
        assert estimate == pytest.approx(slope, rel=0.3), measure
    for measure in truth["null_measures"]:
        estimate = _fixed_effects_slope(values.filter(
            (pl.col("measure_code") == measure) & (pl.col("service_code") != step["service_code"])))
        assert abs(estimate) < 0.15, measure


def test_unit_cost_rises_with_agency_share(demo, loaded):
    _, manifest = demo
    truth = manifest["truths"]["agency_cost"]
    outputs = _service_values(loaded["outcomes"]).filter(
        pl.col("measure_code") == pl.col("service_code").replace_strict(
            truth["output_measure_by_service"]))
    costs = loaded["finance"].group_by("service_code", "period").agg(
        cost=(pl.col("pay_cost") + pl.col("non_pay_cost")).sum())
    frame = costs.join(outputs, on=["service_code", "period"]).join(
        _staffing(loaded["workforce"]), on=["service_code", "period"]).with_columns(
        expected=pl.col("service_code").replace_strict(truth["base_unit_cost_by_service"])
        * (1 + truth["k"] * pl.col("agency") / 100))
    assert frame.height == 9 * 36
    assert np.allclose(frame["cost"] / frame["result"], frame["expected"], rtol=1e-6)
    assert frame["agency"].min() >= 0 and frame["agency"].max() <= 20
    assert frame["agency"].std() > 2


def test_step_change_shifts_the_measure(demo, loaded):
    _, manifest = demo
    step = manifest["truths"]["step_change"]
    series = _service_values(loaded["outcomes"]).filter(
        (pl.col("service_code") == step["service_code"])
        & (pl.col("measure_code") == step["measure_code"]))
    after = series.filter(pl.col("period") >= step["first_period"])["result"].mean()
    before = series.filter(pl.col("period") < step["first_period"])["result"].mean()
    assert after - before == pytest.approx(step["delta"], abs=2)


def test_pay_gaps_recomputed_from_workforce_rows(demo, loaded):
    _, manifest = demo
    gaps = manifest["truths"]["pay_gap"]
    employer, profession = gaps["employer"], gaps["profession"]
    rows = loaded["workforce"].filter(pl.col("service_code") == employer["service_code"])
    by_partner = _annual_pay(
        rows.filter(pl.col("staff_group_code") == employer["staff_group_code"]), "partner_code")
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
    assert resub_rows["submitted"][0] > outcomes.filter(
        pl.col("file") == resub["original_file"])["submitted"][0]
    originals = outcomes.filter((pl.col("file") == resub["original_file"])
                                & (pl.col("period") == resub["period"]))
    assert resub_rows.height == originals.height == resub["rows_in_file"]
    assert set(resub_rows["partner_code"]) == {resub["partner_code"]}
    for file, row, expected in [(resub["file"], resub["row_number"], resub["corrected"]),
                                (resub["original_file"], resub["original_row_number"],
                                 resub["original"])]:
        found = outcomes.filter((pl.col("file") == file) & (pl.col("row_number") == row)).row(
            0, named=True)
        assert (found["service_code"], found["measure_code"], found["period"]) == (
            resub["service_code"], resub["measure_code"], resub["period"])
        assert (found["numerator"], found["denominator"]) == (
            expected["numerator"], expected["denominator"])
    assert resub["original"] != resub["corrected"]


def test_every_fault_is_where_the_manifest_says(demo, submitted):
    root, manifest = demo
    measures = set(build_reference(3)["measures"]["measure_code"])
    assert {f["fault"] for f in manifest["faults"]} == {
        "cp1252", "ligature_damage", "duplicate_row", "negative_count", "unknown_measure"}
    for fault in manifest["faults"]:
        kind = fault["file"].split("/")[0]
        rows = submitted[kind].filter(pl.col("file") == fault["file"])
        row = rows.filter(pl.col("row_number") == fault["row_number"]).row(0, named=True)
        if fault["column"] is not None:
            assert row[fault["column"]] == fault["value"], fault
        if fault["fault"] == "cp1252":
            raw = (root / "inbox" / fault["file"]).read_bytes()
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            assert all(c in row["comment"] for c in "£“”–")
        elif fault["fault"] == "ligature_damage":
            assert re.search(r"[a-z][WXYV][a-z]", row["comment"]), fault
        elif fault["fault"] == "duplicate_row":
            previous = rows.filter(pl.col("row_number") == fault["row_number"] - 1)
            assert previous.drop("row_number").row(0) == rows.filter(
                pl.col("row_number") == fault["row_number"]).drop("row_number").row(0)
        elif fault["fault"] == "negative_count":
            assert row[fault["column"]] < 0
        elif fault["fault"] == "unknown_measure":
            assert row["measure_code"] not in measures

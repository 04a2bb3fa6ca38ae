"""How each demo partner lays out its files: the shapes real partners send, and their mapping files.

- every partner: CSV in UTF-8 with the contract's headers, periods as YYYY-MM (the default);
- the first area's acute trust: its own headers, indicator and scheme codes and "Mar-24" periods
  (outcomes), and percent targets as fractions of 1 (targets), declared in its mapping file;
- the second area's council: "CSV UTF-8" with a byte-order mark, periods as full dates written day
  first ("01/03/2024", declared in its mapping file), money as "£12,345.67";
- learning trusts: an Excel template with title rows above a two-row header whose group cells are
  merged, periods as date cells and pay as text with thousands separators;
- charities: Excel workbooks with periods as bare date serials; their workforce return has one sheet
  per month named after the month and no period column (declared in their mapping files).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

import xlsxwriter
import yaml

from pipelines.demo.truth import partner_suffix

XLSX_PARTNER_TYPES = ("EDU", "VCS")
OWN_LAYOUT_PARTNER = "NOR-ACUTE"
DAY_FIRST_PARTNER = "EAS-LA"
EXCEL_EPOCH = date(1899, 12, 30)
OWN_HEADERS = {
    "partner_code": "Org Code",
    "service_code": "Scheme",
    "measure_code": "Indicator",
    "period": "Month",
    "numerator": "Achieved",
    "denominator": "Eligible",
    "value": "Count",
    "comment": "Notes",
    "target_value": "Target",
    "tolerance": "Tolerance",
}
OWN_MEASURE_CODES = {
    "HD_DISCHARGES": "DIS-01",
    "HD_SAME_DAY": "DIS-02",
    "HD_HOME_91": "REA-91",
    "HD_READMIT_30": "REA-30",
}
OWN_SERVICE_CODE = "NHD"
PERCENT_MEASURES = {"HD_SAME_DAY", "HD_HOME_91", "HD_READMIT_30"}
MONEY_COLUMNS = ("pay_cost", "non_pay_cost", "pay_bill")


@dataclass(frozen=True)
class Rendered:
    """A file's bytes, what it is, and where each marked row ended up: mark -> (sheet, row)."""

    content: bytes
    extension: str
    encoding: str | None
    sheets: tuple[str, ...]
    marks: dict[str, tuple[str | None, int]]


def layout_of(partner: str, kind: str) -> str:
    """Return the name of the layout `partner` sends `kind` in."""
    suffix = partner_suffix(partner)
    if partner == OWN_LAYOUT_PARTNER and kind in ("outcomes", "targets"):
        return "own_headers"
    if partner == DAY_FIRST_PARTNER:
        return "day_first_csv"
    if suffix == "EDU":
        return "template"
    if suffix == "VCS":
        return "monthly_sheets" if kind == "workforce" else "serial_dates"
    return "csv"


def _month_start(period: str) -> date:
    return date(int(period[:4]), int(period[5:7]), 1)


def _csv(header: list[str], rows: list[list], encoding: str) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *rows])
    return text.getvalue().encode(encoding)


def _cell(value) -> object:
    return "" if value is None else value


def _own_headers(kind: str, columns: list[str], rows: list[list], encoding: str) -> bytes:
    out = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        values["service_code"] = OWN_SERVICE_CODE
        measure = values["measure_code"]
        values["measure_code"] = OWN_MEASURE_CODES.get(measure, measure)
        values["period"] = _month_start(values["period"]).strftime("%b-%y")
        if kind == "targets" and measure in PERCENT_MEASURES:
            values["target_value"] = round(values["target_value"] / 100, 4)
            if values["tolerance"] is not None:
                values["tolerance"] = round(values["tolerance"] / 100, 4)
        out.append([_cell(values[c]) for c in columns])
    return _csv([OWN_HEADERS[c] for c in columns], out, encoding)


def _day_first(columns: list[str], rows: list[list], encoding: str) -> bytes:
    out = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        values["period"] = _month_start(values["period"]).strftime("%d/%m/%Y")
        for column in MONEY_COLUMNS:
            if values.get(column) is not None:
                values[column] = f"£{values[column]:,.2f}"
        out.append([_cell(values[c]) for c in columns])
    return _csv(columns, out, "utf-8-sig" if encoding == "utf-8" else encoding)


def _workbook(day: date) -> tuple[io.BytesIO, xlsxwriter.Workbook]:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": datetime(day.year, day.month, day.day, 9)})
    return buffer, workbook


def _write_values(sheet, row: int, columns: list[str], values: list, formats: dict) -> None:
    for col, (column, value) in enumerate(zip(columns, values, strict=True)):
        if value is None:
            continue
        if column == "period" and "date" in formats:
            sheet.write_datetime(
                row, col, datetime.combine(_month_start(value), datetime.min.time()), formats["date"]
            )
        elif column == "period" and formats.get("serial"):
            sheet.write_number(row, col, (_month_start(value) - EXCEL_EPOCH).days)
        elif column in MONEY_COLUMNS and formats.get("money_as_text"):
            sheet.write_string(row, col, f"{value:,.2f}")
        else:
            sheet.write(row, col, value)


def _template(
    kind: str, partner_name: str, day: date, columns: list[str], rows: list[list]
) -> tuple[bytes, list[int]]:
    """An Excel template: title rows, then a group row with merged cells above the header row."""
    buffer, workbook = _workbook(day)
    sheet = workbook.add_worksheet("Return")
    bold = workbook.add_format({"bold": True})
    sheet.write(0, 0, f"{partner_name}: {kind} return", bold)
    sheet.write(1, 0, f"Submitted {day:%d %B %Y}. Please do not change the layout of this sheet.")
    ids = [i for i, c in enumerate(columns) if c.endswith("_code") or c == "period"]
    figures = [i for i in range(len(columns)) if i not in ids]
    for cells, label in ((ids, "Who and when"), (figures, "Figures")):
        if len(cells) > 1:
            sheet.merge_range(3, cells[0], 3, cells[-1], label, bold)
        elif cells:
            sheet.write(3, cells[0], label, bold)
    sheet.write_row(4, 0, [c.replace("_", " ").capitalize() for c in columns], bold)
    formats = {"date": workbook.add_format({"num_format": "mmm-yy"}), "money_as_text": True}
    for offset, values in enumerate(rows):
        _write_values(sheet, 5 + offset, columns, values, formats)
    workbook.close()
    return buffer.getvalue(), [6 + offset for offset in range(len(rows))]


def _serial_dates(day: date, columns: list[str], rows: list[list]) -> tuple[bytes, list[int]]:
    buffer, workbook = _workbook(day)
    sheet = workbook.add_worksheet("Return")
    sheet.write_row(0, 0, columns)
    for offset, values in enumerate(rows):
        _write_values(sheet, 1 + offset, columns, values, {"serial": True})
    workbook.close()
    return buffer.getvalue(), [2 + offset for offset in range(len(rows))]


def _monthly_sheets(
    day: date, columns: list[str], rows: list[list]
) -> tuple[bytes, list[tuple[str, int]], tuple[str, ...]]:
    """One sheet per month, named after it ("Apr 2023"), without a period column."""
    buffer, workbook = _workbook(day)
    keep = [c for c in columns if c != "period"]
    at = columns.index("period")
    months = sorted({values[at] for values in rows})
    sheets = {m: workbook.add_worksheet(_month_start(m).strftime("%b %Y")) for m in months}
    for sheet in sheets.values():
        sheet.write_row(0, 0, keep)
    next_row = dict.fromkeys(months, 1)
    places = []
    for values in rows:
        month = values[at]
        sheets[month].write_row(
            next_row[month], 0, [_cell(v) for c, v in zip(columns, values, strict=True) if c != "period"]
        )
        next_row[month] += 1
        places.append((sheets[month].get_name(), next_row[month]))
    workbook.close()
    return buffer.getvalue(), places, tuple(s.get_name() for s in sheets.values())


def render(
    kind: str,
    partner: str,
    partner_name: str,
    day: date,
    columns: list[str],
    rows: list[list],
    marks: list[str | None],
    encoding: str,
) -> Rendered:
    """Return the file `partner` sends for these rows of `kind`, in its layout."""
    layout = layout_of(partner, kind)
    sheets: tuple[str, ...] = ()
    if layout in ("template", "serial_dates", "monthly_sheets"):
        if layout == "monthly_sheets":
            content, places, sheets = _monthly_sheets(day, columns, rows)
        else:
            content, numbers = (
                _template(kind, partner_name, day, columns, rows)
                if layout == "template"
                else _serial_dates(day, columns, rows)
            )
            places, sheets = [("Return", n) for n in numbers], ("Return",)
        return Rendered(
            content, "xlsx", None, sheets, {m: place for m, place in zip(marks, places, strict=True) if m}
        )
    if layout == "own_headers":
        content = _own_headers(kind, columns, rows, encoding)
    elif layout == "day_first_csv":
        content = _day_first(columns, rows, encoding)
        encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    else:
        content = _csv(columns, [[_cell(v) for v in row] for row in rows], encoding)
    return Rendered(
        content, "csv", encoding, sheets, {m: (None, number) for number, m in enumerate(marks, start=2) if m}
    )


def partner_mappings(partners: list[str]) -> dict[str, str]:
    """Return {partner code: mapping file YAML} for the demo partners whose layout needs one."""
    mappings = {}
    for partner in partners:
        if partner == OWN_LAYOUT_PARTNER:
            area = partner.split("-")[0]
            spec = {
                "partner_code": partner,
                "returns": {
                    kind: {
                        "columns": {OWN_HEADERS[c]: c for c in columns},
                        "codes": {
                            "service_code": {OWN_SERVICE_CODE: f"{area}-HD"},
                            "measure_code": {v: k for k, v in OWN_MEASURE_CODES.items()},
                        },
                    }
                    | ({"percent": "fraction"} if kind == "targets" else {})
                    for kind, columns in (
                        (
                            "outcomes",
                            (
                                "partner_code",
                                "service_code",
                                "measure_code",
                                "period",
                                "numerator",
                                "denominator",
                                "value",
                                "comment",
                            ),
                        ),
                        (
                            "targets",
                            (
                                "partner_code",
                                "service_code",
                                "measure_code",
                                "period",
                                "target_value",
                                "tolerance",
                            ),
                        ),
                    )
                },
            }
        elif partner == DAY_FIRST_PARTNER:
            spec = {"partner_code": partner, "date_order": "day_first"}
        elif partner_suffix(partner) == "VCS":
            spec = {"partner_code": partner, "returns": {"workforce": {"period_from_sheet_name": True}}}
        else:
            continue
        mappings[partner] = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
    return mappings

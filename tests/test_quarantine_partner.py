"""audit.quarantine says whose rows were held back: the partner that sent each, and the service it named."""

from tests.ingest_fixtures import OUTCOMES_HEADER, drop, ingest_and_validate, rows, seeded_warehouse


def test_quarantined_rows_carry_their_partner_and_known_service(tmp_path):
    con = seeded_warehouse(tmp_path / "w.duckdb")
    drop(
        tmp_path / "inbox",
        "outcomes",
        "P1_20240215.csv",
        OUTCOMES_HEADER
        + "P1,S1,RATE,2024-01,30,40,,\n"  # loaded
        + "P1,S1,RATE,2024-02,abc,40,,\n"  # not a number: held back, about S1
        + "P1, s1 ,LOW,2024-02,x,50,,\n"  # held back; names S1 in lower case with spaces
        + "P1,S9,RATE,2024-01,1,2,,\n",
    )  # an unknown service: held back, service not known
    drop(
        tmp_path / "inbox", "outcomes", "P3_20240216.csv", OUTCOMES_HEADER + "P3,S2,OUT,2024-01,,,-5,\n"
    )  # a negative count: held back, about S2
    ingest_and_validate(con, tmp_path, "outcomes")
    held = rows(
        con,
        "select distinct file_name, row_number, partner_code, service_code "
        "from audit.quarantine order by file_name, row_number",
    )
    assert held == [
        ("P1_20240215.csv", 3, "P1", "S1"),
        ("P1_20240215.csv", 4, "P1", "S1"),
        ("P1_20240215.csv", 5, "P1", None),
        ("P3_20240216.csv", 2, "P3", "S2"),
    ]
    # every quarantined row has its partner: analysts no longer join the load log for it
    assert rows(con, "select count(*) from audit.quarantine where partner_code is null") == [(0,)]

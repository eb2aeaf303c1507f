"""Bad input gives one error listing every problem with its workbook, sheet, table, row, column, value and what
was expected (docs/forecast.md, section 9); documented fallbacks are warnings, never silent."""
from __future__ import annotations

import copy

import pytest

from salesops_xl.errors import InputError
from salesops_xl.forecast.inputs import load_inputs

from forecast_helpers import D, EXAMPLE_OPPS, EXAMPLE_QUOTAS, STAGES, TEAM, opp, run, settings, workbook


def problems(source) -> str:
    with pytest.raises(InputError) as e:
        load_inputs(source)
    return str(e.value)


def test_every_problem_of_the_opportunities_is_listed_with_its_cell():
    opps = copy.deepcopy(EXAMPLE_OPPS)
    opps[1]["Amount"] = "12k"  # text in an amount (row 3 of the sheet)
    opps[2]["RepID"] = "NOBODY"
    opps[3]["Stage"] = "Maybe"
    opps[4]["CloseDate"] = D(2026, 1, 1)  # A4 created 2026-03-01
    opps[5]["Amount"] = -10
    opps[6]["OppID"] = opps[5]["OppID"]  # duplicate
    opps.append(opp("Z1", "A", 1000, D(2026, 11, 1), D(2026, 11, 25), "Won"))  # closed after AsOfDate
    opps.append(opp("Z2", "A", 1000, D(2026, 11, 25), D(2026, 12, 25), "Propose"))  # created after AsOfDate
    opps.append(opp("Z3", "A", 1000, D(2026, 1, 1), D(2026, 2, 1), "Won", lost_at="Discover"))
    opps.append(opp("Z4", "A", 1000, D(2026, 1, 1), D(2026, 2, 1), "Lost", lost_at="Won"))
    msg = problems(workbook(opps=opps))
    where = "test.xlsx, sheet 'Opportunities', table Opportunities: "
    assert where + 'row 3, column Amount, cell D3: text in a numeric column; found "12k"' in msg
    assert where + 'row 4, column RepID, cell B4: unknown rep; found "NOBODY"; expected a RepID listed in SalesTeam' in msg
    assert where + 'row 5, column Stage, cell G5: unknown stage; found "Maybe"' in msg
    assert "row 6, column CloseDate, cell F6: closes before it was created; found 2026-01-01; expected a date on or " \
           "after the CreatedDate 2026-03-01" in msg
    assert "row 7, column Amount, cell D7: negative; found -10" in msg
    assert "row 8, column OppID, cell A8: duplicate OppID" in msg
    assert "closed deal closing after AsOfDate; found 2026-11-25" in msg
    assert "created after AsOfDate; found 2026-11-25" in msg
    assert "LostAtStage on a deal that is not lost" in msg
    assert 'not an open stage; found "Won"' in msg
    assert "nothing was written" in msg


def test_team_stage_quota_and_setting_problems():
    team = copy.deepcopy(TEAM) + [{"RepID": "X", "RepName": "X", "ManagerID": "GHOST", "Region": None},
                                  {"RepID": "Y", "RepName": "Y", "ManagerID": "Y", "Region": None}]
    stages = copy.deepcopy(STAGES) + [{"Stage": "Won again", "Type": "Won", "Order": None, "Probability": 1.0,
                                       "ForecastCategory": "Closed"},
                                      {"Stage": "Limbo", "Type": "Open", "Order": None, "Probability": 0.5,
                                       "ForecastCategory": "Closed"}]
    quotas = EXAMPLE_QUOTAS + [{"RepID": "B", "Period": "2026-Q4", "Quota": 5},  # overlaps B's months
                               {"RepID": "A", "Period": "next year", "Quota": 5},
                               {"RepID": "A", "Period": "2026-10", "Quota": 0}]
    rows = settings(Horizon=99, GapPeriod="Month", Colour="blue")
    msg = problems(workbook(team=team, stages=stages, quotas=quotas, settings_rows=rows))
    assert "sheet 'Team', table SalesTeam: row 6, column ManagerID, cell C6: unknown manager; found \"GHOST\"" in msg
    assert "a rep is their own manager" in msg
    assert "2 stages of Type Won" in msg
    assert "an open stage without an Order" in msg and "an open stage in category Closed" in msg
    assert 'a second quota covering 2026-10 for rep B; found "2026-Q4"' in msg
    assert 'not a period label; found "next year"' in msg
    assert "column Quota, cell C8: out of range; found 0; expected an amount (a number) greater than 0" in msg
    assert 'Horizon is out of range or not a number; found "99"; expected a whole number between 1 and 36' in msg
    assert 'GapPeriod is not an allowed value; found "Month"; expected one of Quarter, Year' in msg
    assert 'unknown setting; found "Colour"' in msg


def test_a_manager_loop_is_named():
    team = [{"RepID": "P", "RepName": "P", "ManagerID": "Q", "Region": None},
            {"RepID": "Q", "RepName": "Q", "ManagerID": "P", "Region": None}]
    msg = problems(workbook(team=team, opps=[], quotas=[]))
    assert "manager loop in the hierarchy" in msg


def test_missing_tables_columns_and_as_of_date():
    assert "the workbook has no Excel Table named Opportunities" in problems(workbook(drop=("Opportunities",)))
    rows = [r for r in settings() if r["Setting"] != "AsOfDate"]
    assert "setting AsOfDate is missing" in problems(workbook(settings_rows=rows))
    rows = settings(AsOfDate="yesterday")
    assert 'AsOfDate is not a date; found "yesterday"' in problems(workbook(settings_rows=rows))


def test_fallbacks_are_warnings_in_the_run_log():
    r = run()
    text = "\n".join(r.warnings)
    assert "no LostAtStage" in text  # B2
    assert "CloseDate before AsOfDate's month" in text  # B4
    assert "less than 24 months of history" in text
    # a rep with deals but no quota in the period
    quotas = [q for q in EXAMPLE_QUOTAS if q["RepID"] != "B"]
    r2 = run(workbook(quotas=quotas))
    assert any("no quota in 2026-Q4 for B" in w for w in r2.warnings)


def test_a_workbook_without_quotas_still_forecasts():
    r = run(workbook(drop=("RepQuotas",)))
    g = r.tables["gap"]
    assert g["Quota"].isna().all() and (g["Status"] == "No quota").all()
    assert r.tables["pipeline"]["LearnedForecast"].notna().all()
    assert any("no quota in 2026-Q4" in w for w in r.warnings)

"""Whose quota is whose (docs/forecast.md, "Quotas"; issue 23: defect 3 and behaviour 7).

The example team: manager M over A, B, C. Quotas of 2026-Q4: A 60,000, B 30,000 (see forecast_helpers).
"""
from __future__ import annotations

import math

from forecast_helpers import D, EXAMPLE_OPPS, EXAMPLE_QUOTAS, opp, row, run, settings, workbook

M_QUOTA = [{"RepID": "M", "Period": "2026-Q4", "Quota": 100_000}]
M_DEAL = [opp("M1", "M", 7_000, D(2026, 10, 1), D(2026, 11, 2), "Won")]


def _rep_row(frame, rep_id):
    r = frame[(frame["ID"] == rep_id) & (frame["Level"] == "Rep")]
    return r.iloc[0].to_dict() if len(r) else None


def _no_quota(r) -> list[str]:
    """The people the 'no quota' warning names."""
    w = [x for x in r.warnings if x.startswith("no quota in 2026-Q4 for ")]
    return w[0].split(";")[0][len("no quota in 2026-Q4 for "):].split(", ") if w else []


def test_a_managers_quota_is_the_teams_number_by_default():
    r = run(workbook(quotas=EXAMPLE_QUOTAS + M_QUOTA))
    gap = r.tables["gap"]
    # ManagerQuota Team (default): the team's quota is M's 100,000, not 100,000 + 60,000 + 30,000
    assert row(gap, "M")["Quota"] == 100_000
    assert row(gap, "Company")["Quota"] == 100_000  # M is the only person at the top
    # the reps' own quotas add up to 90,000: the disagreement is said, with both figures
    msg = [w for w in r.warnings if "team's number" in w]
    assert len(msg) == 1 and "100,000.00" in msg[0] and "90,000.00" in msg[0] and "Own" in msg[0]
    # a team number is nobody's own quota: no Rep row for M (M owns no deal)
    assert _rep_row(gap, "M") is None
    # the Forecast sheet's monthly quota is the Company's: 100,000 / 3 a month in Q4
    comp = r.company.set_index("Month")
    assert comp.loc["2026-11", "Quota"] == 100_000 / 3


def test_manager_quota_own_adds_it_to_the_team_as_before():
    r = run(workbook(quotas=EXAMPLE_QUOTAS + M_QUOTA, settings_rows=settings(ManagerQuota="Own")))
    gap = r.tables["gap"]
    assert row(gap, "M")["Quota"] == 190_000  # 100,000 + 60,000 + 30,000
    assert row(gap, "Company")["Quota"] == 190_000
    assert _rep_row(gap, "M")["Quota"] == 100_000
    assert not [w for w in r.warnings if "team's number" in w]


def test_a_team_number_that_agrees_with_its_reps_gives_no_warning():
    r = run(workbook(quotas=EXAMPLE_QUOTAS + [{"RepID": "M", "Period": "2026-Q4", "Quota": 90_000}]))
    assert row(r.tables["gap"], "M")["Quota"] == 90_000
    assert not [w for w in r.warnings if "team's number" in w]


def test_without_a_managers_row_the_team_is_the_sum_of_its_reps():
    r = run(workbook())
    assert row(r.tables["gap"], "M")["Quota"] == 90_000


def test_a_manager_who_owns_a_deal_without_an_own_quota_is_warned_about():
    # defect 3: the manager got a Rep row and no warning; docs: a person with open or won deals but no quota
    # in the period gets a warning and blank gap figures
    for mode, quotas in (("Own", EXAMPLE_QUOTAS), ("Team", EXAMPLE_QUOTAS + M_QUOTA)):
        r = run(workbook(opps=EXAMPLE_OPPS + M_DEAL, quotas=quotas, settings_rows=settings(ManagerQuota=None if mode == "Team" else mode)))
        m = _rep_row(r.tables["gap"], "M")
        assert m is not None and math.isnan(m["Quota"]) and m["Closed"] == 7_000
        assert "M" in _no_quota(r), (mode, r.warnings)  # C (a win, no quota) is listed too
    # with an own quota (Own) the manager's deals are measured against it, without a warning
    r = run(workbook(opps=EXAMPLE_OPPS + M_DEAL, quotas=EXAMPLE_QUOTAS + M_QUOTA,
                     settings_rows=settings(ManagerQuota="Own")))
    assert _rep_row(r.tables["gap"], "M")["Quota"] == 100_000
    assert _no_quota(r) == ["C"]


def test_overdue_is_decided_by_month_and_a_person_nobody_reports_to_counts_in_the_company_only():
    team = [{"RepID": "M", "RepName": "Mona", "ManagerID": None, "Region": None},
            {"RepID": "A", "RepName": "Ann", "ManagerID": "M", "Region": None},
            {"RepID": "Z", "RepName": "Zed", "ManagerID": None, "Region": None}]
    opps = [opp("A1", "A", 10_000, D(2026, 1, 1), D(2026, 3, 1), "Won"),
            opp("Z1", "Z", 5_000, D(2026, 10, 1), D(2026, 11, 5), "Propose"),  # earlier this month: not overdue
            opp("Z2", "Z", 4_000, D(2026, 9, 1), D(2026, 10, 31), "Propose")]  # last month: overdue
    quotas = [{"RepID": "A", "Period": "2026-Q4", "Quota": 50_000}, {"RepID": "Z", "Period": "2026-Q4", "Quota": 20_000}]
    r = run(workbook(opps=opps, quotas=quotas, team=team))
    d = r.pipeline.deals.set_index("OppID")
    assert d.loc["Z1", "Overdue"] == "" and d.loc["Z2", "Overdue"] == "yes"
    gap = r.tables["gap"]
    assert row(gap, "Company")["Quota"] == 70_000  # M's team (A 50,000) + Z 20,000
    assert row(gap, "M")["Quota"] == 50_000 and not (gap["ID"].eq("Z") & gap["Level"].eq("Team")).any()

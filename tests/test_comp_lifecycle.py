"""The comp lifecycle (issue 3): overrides, proration, partial clawbacks, effective-dated plans...

Hand-computed cases; amounts in currency units, arithmetic in the comments.
"""
from __future__ import annotations

import pytest

from salesops_xl.errors import InputError

from helpers import D, deal, lines, measure, payable, payout, rep, run, tiers, workbook


def flat(table="FLAT", rate=0.0):
    return tiers(table, (0, None, rate))


# -- proration ---------------------------------------------------------------------------------------

def test_mid_month_hire_prorates_quota_and_target_by_active_days():
    # hired 16 March: active 16 of March's 31 days
    src = workbook(reps=[rep("A", hire=D(2026, 3, 16))], measures=[measure(rate_type="Multiple")],
                   tier_rows=tiers("T", (0, None, 1.0)), quota=31_000,
                   deals=[deal("D1", "A", 8_000, D(2026, 3, 20))], as_of=D(2026, 3, 31))
    r = run(src)
    p = payout(r, "A", "2026-03")
    # quota 31,000 x 16/31 = 16,000; target 12,000 / 12 x 16/31 = 516.129...
    assert p["Quota"] == pytest.approx(16_000)
    assert p["ActiveShare"] == pytest.approx(16 / 31)
    assert p["TargetIncentive"] == pytest.approx(1_000 * 16 / 31)
    # attainment 8,000 / 16,000 = 50%; payout 0.5 x 516.129 = 258.06
    assert p["Attainment"] == pytest.approx(0.5)
    assert payable(r, "A", "2026-03") == 258.06


def test_termination_mid_month_prorates_the_last_month():
    src = workbook(reps=[rep("A", term=D(2026, 2, 14))], quota=28_000,
                   deals=[deal("D1", "A", 10_000, D(2026, 2, 10))], as_of=D(2026, 2, 28))
    p = payout(run(src), "A", "2026-02")
    # employed 14 of February's 28 days: quota 28,000 x 14/28 = 14,000 (YTD 28,000 + 14,000)
    assert p["Quota"] == pytest.approx(14_000)
    assert p["QuotaYTD"] == pytest.approx(42_000)


def test_leave_prorates_quota_over_the_days_away():
    src = workbook(quota=30_000, deals=[deal("D1", "A", 10_000, D(2026, 4, 2))], as_of=D(2026, 4, 30),
                   extra_tables={"Leaves": [{"RepID": "A", "StartDate": D(2026, 4, 11), "EndDate": D(2026, 4, 30),
                                             "Reason": "parental"}]})
    p = payout(run(src), "A", "2026-04")
    # away 20 of April's 30 days: quota 30,000 x 10/30 = 10,000 -> attainment 100%
    assert p["Quota"] == pytest.approx(10_000)
    assert p["Attainment"] == pytest.approx(1.0)


def test_plan_change_mid_year_by_effective_dated_roster_rows():
    reps = [rep("A", plan="P"), dict(rep("A", plan="Q", ti=24_000), EffectiveFrom=D(2026, 7, 1))]
    reps[0]["EffectiveTo"] = D(2026, 6, 30)
    ms = [measure(plan="P", tiers="T"), measure(plan="Q", tiers="T2")]
    tr = tiers("T", (0, 1.0, 0.05), (1.0, None, 0.10)) + tiers("T2", (0, 1.0, 0.07), (1.0, None, 0.10))
    src = workbook(reps=reps, measures=ms, tier_rows=tr,
                   deals=[deal("D1", "A", 50_000, D(2026, 6, 10)), deal("D2", "A", 50_000, D(2026, 7, 10))],
                   as_of=D(2026, 7, 31))
    r = run(src)
    june = r.payouts[(r.payouts.Period == "2026-06")]
    july = r.payouts[(r.payouts.Period == "2026-07")]
    assert list(june.PlanID) == ["P"] and list(july.PlanID) == ["Q"]
    # July on plan Q starts its own year-to-date: 50,000 / 100,000 at 7% = 3,500
    assert july.Payable.iloc[0] == 350_000
    assert july.QuotaYTD.iloc[0] == pytest.approx(100_000)


def test_overlapping_effective_dates_are_an_error():
    reps = [dict(rep("A"), EffectiveFrom=D(2026, 1, 1), EffectiveTo=D(2026, 7, 15)),
            dict(rep("A"), EffectiveFrom=D(2026, 7, 1))]
    with pytest.raises(InputError) as e:
        run(workbook(reps=reps, deals=[deal("D1", "A", 1, D(2026, 1, 5))]))
    assert "row 3, column EffectiveFrom, cell I3: overlapping effective dates for rep A; found 2026-07-01" in str(e.value)


def test_quota_change_within_a_period_is_day_weighted():
    q = [{"RepID": "A", "Measure": "NB", "Period": f"2026-{m:02d}", "Quota": 30_000.0} for m in range(1, 13)]
    q.append({"RepID": "A", "Measure": "NB", "Period": "2026-04", "Quota": 60_000.0,
              "EffectiveFrom": D(2026, 4, 21)})
    p = payout(run(workbook(quotas=q, deals=[deal("D1", "A", 1_000, D(2026, 4, 2))], as_of=D(2026, 4, 30))),
               "A", "2026-04")
    # 30,000 x 20/30 + 60,000 x 10/30 = 20,000 + 20,000 = 40,000
    assert p["Quota"] == pytest.approx(40_000)


# -- manager overrides ---------------------------------------------------------------------------------

def _hierarchy(**kw):
    reps = [rep("VP", plan="VP"), rep("M1", plan="MGR", manager="VP"), rep("A", manager="M1"),
            rep("B", manager="M1"), rep("C", manager="VP")]
    ms = [measure(plan="P"),
          measure("TeamNB", plan="MGR", tiers="OVR2"), measure("TeamNB", plan="VP", tiers="OVR1")]
    for m in ms[1:]:
        m.update(CreditSource="Team", SourceMeasure="NB")
    tr = tiers("T", (0, 1.0, 0.05), (1.0, None, 0.10)) + flat("OVR2", 0.02) + flat("OVR1", 0.01)
    return workbook(reps=reps, measures=ms, tier_rows=tr, as_of=D(2026, 1, 31), **kw)


def test_override_two_levels_up():
    src = _hierarchy(deals=[deal("D1", "A", 100_000, D(2026, 1, 10))])
    r = run(src)
    # the rep: 100,000 x 5% = 5,000; M1 (2% override on its team): 2,000; VP (1% on everyone below): 1,000
    assert payable(r, "A", "2026-01") == 5_000.00
    assert payable(r, "M1", "2026-01", "TeamNB") == 2_000.00
    assert payable(r, "VP", "2026-01", "TeamNB") == 1_000.00
    vp = lines(r, "VP", "2026-01")
    assert list(vp.LineType) == ["Team credit"] and "team credit from A Rep A (1 deal rows)" in vp.Note.iloc[0]


def test_team_credit_counts_a_split_deal_once():
    src = _hierarchy(deals=[deal("D1", "A", 100_000, D(2026, 1, 10), split=0.5),
                            deal("D1", "B", 100_000, D(2026, 1, 10), split=0.5),
                            deal("D2", "C", 10_000, D(2026, 1, 11))])
    r = run(src)
    # M1's team is A and B: 50,000 + 50,000 = 100,000 (the deal once), x 2% = 2,000
    assert payout(r, "M1", "2026-01", "TeamNB")["Credit"] == pytest.approx(100_000)
    # the VP sees the whole tree: 100,000 + 10,000 = 110,000 x 1% = 1,100
    assert payable(r, "VP", "2026-01", "TeamNB") == 1_100.00


def test_manager_measured_against_a_team_quota():
    src = _hierarchy(deals=[deal("D1", "A", 150_000, D(2026, 1, 10))])
    src._tables["planmeasures"].data["TierTable"][1] = "T"  # M1's TeamNB now on the attainment tiers
    r = run(src)
    p = payout(r, "M1", "2026-01", "TeamNB")
    # team credit 150,000 against M1's team quota 100,000: 100,000 x 5% + 50,000 x 10% = 10,000
    assert p["Attainment"] == pytest.approx(1.5)
    assert p["Payable"] == 1_000_000


def test_a_flat_override_needs_no_quota():
    src = _hierarchy(deals=[deal("D1", "A", 100_000, D(2026, 1, 10))])
    q = src._tables["quotas"].data
    keep = [i for i, r in enumerate(q["RepID"]) if r != "VP"]
    for c in q:
        q[c] = [q[c][i] for i in keep]
    p = payout(run(src), "VP", "2026-01", "TeamNB")
    assert p["Quota"] == 0 and p["Payable"] == 100_000  # 100,000 x 1%


# -- clawbacks -----------------------------------------------------------------------------------------

def test_partial_cancellation_reverses_pro_rata():
    src = workbook(measures=[measure(clawback=90)], deals=[deal("D1", "A", 80_000, D(2026, 1, 10))],
                   extra_tables={"Cancellations": [{"DealID": "D1", "CancelDate": D(2026, 2, 15),
                                                    "CancelledPct": 0.25, "Reason": "downsell"}]},
                   as_of=D(2026, 2, 28))
    r = run(src)
    # Jan: 80,000 x 5% = 4,000. Feb: 25% cancelled -> credit 60,000 of YTD quota 200,000 -> 3,000
    assert payable(r, "A", "2026-01") == 4_000.00
    feb = lines(r, "A", "2026-02")
    rev = feb[feb.LineType == "Reversal"].iloc[0]
    assert rev.Credit == pytest.approx(-20_000) and rev.Amount == -100_000  # 20,000 x 5%
    assert payable(r, "A", "2026-02") == -1_000.00


def test_cancellation_of_an_unknown_deal_is_an_error():
    src = workbook(deals=[deal("D1", "A", 80_000, D(2026, 1, 10))],
                   extra_tables={"Cancellations": [{"DealID": "D9", "CancelDate": D(2026, 2, 15),
                                                    "CancelledPct": 0.5}]})
    with pytest.raises(InputError) as e:
        run(src)
    assert "table Cancellations: row 2, column DealID, cell A2: a cancellation of an unknown deal; found \"D9\"" \
        in str(e.value)


# -- SPIFs and bonuses ---------------------------------------------------------------------------------

def test_spif_per_qualifying_deal_by_product_split_by_share():
    spifs = [{"SpifID": "LAUNCH", "Description": "Analytics launch", "PlanID": None, "Measure": None,
              "Product": "Analytics", "StartDate": D(2026, 1, 1), "EndDate": D(2026, 3, 31), "MinAmount": 20_000,
              "AmountPerDeal": 500, "PctOfCredit": 0.01}]
    deals = [deal("D1", "A", 30_000, D(2026, 2, 3), product="Analytics", split=0.6),
             deal("D1", "B", 30_000, D(2026, 2, 3), product="Analytics", split=0.4),
             deal("D2", "A", 10_000, D(2026, 2, 5), product="Analytics"),  # below the 20,000 minimum
             deal("D3", "A", 50_000, D(2026, 2, 7), product="Platform")]  # another product
    src = workbook(reps=[rep("A"), rep("B")], deals=deals, extra_tables={"Spifs": spifs}, as_of=D(2026, 2, 28))
    r = run(src)
    s = r.summary.set_index(["RepID", "PayMonth"])
    # A: 500 x 60% + 1% x 18,000 = 300 + 180 = 480; B: 500 x 40% + 1% x 12,000 = 200 + 120 = 320
    assert s.loc[("A", "2026-02"), "SPIFs"] == 48_000
    assert s.loc[("B", "2026-02"), "SPIFs"] == 32_000
    spif = lines(r, "A", "2026-02")
    assert list(spif[spif.LineType == "SPIF"].DealID) == ["D1"]


def test_spif_is_reversed_when_the_deal_is_cancelled():
    spifs = [{"SpifID": "S", "Description": None, "PlanID": None, "Measure": None, "Product": None,
              "StartDate": D(2026, 1, 1), "EndDate": D(2026, 12, 31), "MinAmount": None, "AmountPerDeal": 100,
              "PctOfCredit": None}]
    src = workbook(deals=[deal("D1", "A", 10_000, D(2026, 1, 10), cancel=D(2026, 2, 10))],
                   extra_tables={"Spifs": spifs}, as_of=D(2026, 2, 28))
    s = run(src).summary.set_index("PayMonth")
    assert (s.loc["2026-01", "SPIFs"], s.loc["2026-02", "SPIFs"]) == (10_000, -10_000)


def test_milestone_bonus_paid_in_the_month_the_year_quota_is_reached():
    bonuses = [{"BonusID": "CLUB", "Description": "100% of annual quota", "PlanID": None, "Measure": "NB",
                "Milestone": 1.0, "Amount": 2_000, "PctOfTarget": 0.10}]
    # year quota 12 x 10,000 = 120,000; YTD credit reaches it with the March deal
    deals = [deal("D1", "A", 70_000, D(2026, 1, 10)), deal("D2", "A", 50_000, D(2026, 3, 10))]
    src = workbook(quota=10_000, deals=deals, extra_tables={"Bonuses": bonuses}, as_of=D(2026, 4, 30))
    s = run(src).summary.set_index("PayMonth")
    # 2,000 + 10% x 12,000 annual target = 3,200 in March, nothing before or after
    assert s["Bonuses"].to_dict() == {"2026-01": 0, "2026-02": 0, "2026-03": 320_000, "2026-04": 0}


# -- draws -----------------------------------------------------------------------------------------------

def _draw(kind, months=("2026-01", "2026-03"), amount=3_000, recovery=None):
    return {"RepID": "A", "StartMonth": months[0], "EndMonth": months[1], "Amount": amount, "Type": kind,
            "RecoveryPct": recovery}


def test_recoverable_draw_over_three_periods_with_its_balance():
    # commission is 5% of credit (quota high enough to stay in the first band)
    deals = [deal("D1", "A", 20_000, D(2026, 1, 10)),   # Jan earns 1,000
             deal("D2", "A", 100_000, D(2026, 2, 10)),  # Feb earns 5,000
             deal("D3", "A", 60_000, D(2026, 3, 10))]   # Mar earns 3,000
    src = workbook(quota=1_000_000, deals=deals, extra_tables={"Draws": [_draw("Recoverable")]},
                   as_of=D(2026, 3, 31))
    r = run(src)
    d = r.draws.set_index("PayMonth")
    # Jan: earns 1,000 < draw 3,000: advance 2,000, pays 3,000, balance 2,000
    assert (d.loc["2026-01", "Advance"], d.loc["2026-01", "ClosingBalance"]) == (200_000, 200_000)
    # Feb: earns 5,000 > 3,000: the excess 2,000 recovers the balance: pays 3,000, balance 0
    assert (d.loc["2026-02", "Recovery"], d.loc["2026-02", "ClosingBalance"]) == (200_000, 0)
    # Mar: earns 3,000 = the draw: nothing to advance or recover
    assert (d.loc["2026-03", "Advance"], d.loc["2026-03", "Recovery"]) == (0, 0)
    totals = r.summary.set_index("PayMonth").Total.to_dict()
    assert totals == {"2026-01": 300_000, "2026-02": 300_000, "2026-03": 300_000}


def test_recovery_continues_after_the_draw_ends_at_the_stated_share():
    deals = [deal("D1", "A", 20_000, D(2026, 1, 10)), deal("D2", "A", 100_000, D(2026, 2, 10))]
    src = workbook(quota=1_000_000, deals=deals, as_of=D(2026, 2, 28),
                   extra_tables={"Draws": [_draw("Recoverable", ("2026-01", "2026-01"), recovery=0.5)]})
    d = run(src).draws.set_index("PayMonth")
    # Jan: advance 2,000. Feb (no draw): earnings 5,000, half of it may recover: 2,000 recovered
    assert d.loc["2026-02", "Recovery"] == 200_000 and d.loc["2026-02", "ClosingBalance"] == 0


def test_non_recoverable_draw_tops_up_and_is_never_paid_back():
    deals = [deal("D1", "A", 20_000, D(2026, 1, 10)), deal("D2", "A", 100_000, D(2026, 2, 10))]
    src = workbook(quota=1_000_000, deals=deals, as_of=D(2026, 2, 28),
                   extra_tables={"Draws": [_draw("NonRecoverable", ("2026-01", "2026-02"))]})
    s = run(src).summary.set_index("PayMonth")
    # Jan: 1,000 topped up by 2,000 to 3,000; Feb: 5,000 above the guarantee, nothing recovered
    assert (s.loc["2026-01", "DrawTopUp"], s.loc["2026-01", "Total"]) == (200_000, 300_000)
    assert (s.loc["2026-02", "DrawRecovery"], s.loc["2026-02", "Total"]) == (0, 500_000)


def test_draw_balance_at_termination_is_forgiven_or_recovered():
    deals = [deal("D1", "A", 20_000, D(2026, 1, 10))]
    base = dict(reps=[rep("A", term=D(2026, 2, 15))], quota=1_000_000, deals=deals, as_of=D(2026, 2, 28),
                extra_tables={"Draws": [_draw("Recoverable", ("2026-01", "2026-01"))]})
    forgiven = run(workbook(**base)).draws.set_index("PayMonth")
    assert forgiven.loc["2026-02", "WrittenOff"] == 200_000
    src = workbook(**base)
    src._tables["settings"].data["Setting"].append("DrawBalanceAtTermination")
    src._tables["settings"].data["Value"].append("Recover")
    s = run(src).summary.set_index("PayMonth")
    assert s.loc["2026-02", "DrawRecovery"] == -200_000 and s.loc["2026-02", "Total"] == -200_000


# -- locked periods ----------------------------------------------------------------------------------------

def _locked_run(deals, locked, previous=None, cancellations=None):
    src = workbook(deals=deals, as_of=D(2026, 4, 30),
                   extra_tables={"Cancellations": cancellations} if cancellations else None)
    src._tables["settings"].data["Setting"].append("LockedThrough")
    src._tables["settings"].data["Value"].append(locked)
    if previous is not None:
        from salesops_xl.commissions.locks import paid_history
        from salesops_xl.source import MemorySource

        hist = paid_history(previous, previous.inputs.locked_through)
        for name, frame in hist.items():
            if not len(frame.columns):
                continue
            f = frame.copy()
            for c in f.columns:  # as the workbook holds them: amounts, not cents
                if c in ("Payable", "EarnedToDate", "PaidBefore", "EarnedBeforeCap", "CapApplied", "Amount",
                         "Total", "Commission", "SPIFs", "Bonuses", "Adjustments", "PriorPeriodAdjustments",
                         "DrawTopUp", "DrawAdvance", "DrawRecovery"):
                    f[c] = f[c] / 100.0
            src._tables[name.lower()] = MemorySource({name: f})._tables[name.lower()]
    return run(src)


def test_locked_period_with_a_late_cancellation_flows_into_the_open_month():
    deals = [deal("D1", "A", 40_000, D(2026, 1, 10)), deal("D2", "A", 60_000, D(2026, 1, 20))]
    first = _locked_run(deals, "2026-02")  # January and February are paid
    assert payable(first, "A", "2026-01") == 5_000.00  # 100,000 x 5%
    # later, D1 turns out cancelled on 2026-01-25: it now never counts in January
    late = [{"DealID": "D1", "CancelDate": D(2026, 1, 25), "CancelledPct": 1.0}]
    second = _locked_run(deals, "2026-02", previous=first, cancellations=late)
    # the locked months keep their numbers ...
    assert payable(second, "A", "2026-01") == 5_000.00
    s = second.summary.set_index("PayMonth")
    assert s.loc["2026-01", "Total"] == 500_000
    # ... and the difference appears in March as a visible prior-period adjustment:
    # recalculated January: 60,000 x 5% = 3,000, paid 5,000 -> -2,000
    assert s.loc["2026-03", "PriorPeriodAdjustments"] == -200_000
    ppa = lines(second, "A", "2026-03")
    ppa = ppa[ppa.LineType == "Prior-period adjustment"]
    assert ppa.Amount.tolist() == [-200_000] and "recalculated 3,000.00, paid 5,000.00" in ppa.Note.iloc[0]


def test_prorate_cell_function_matches_the_engine():
    import datetime as dt

    from salesops_xl.addin.functions import sxl_prorate

    # hired 16 March: 31,000 x 16/31 = 16,000 (the engine's quota in test_mid_month_hire...)
    assert sxl_prorate([[31000]], dt.date(2026, 3, 1), dt.date(2026, 3, 31), dt.date(2026, 3, 16)) == 16_000.0
    # serial dates as xlwings Lite passes them: 46082 = 2026-03-01, 46112 = 2026-03-31, 46097 = 2026-03-16
    assert sxl_prorate(31000, 46082, 46112, 46097) == 16_000.0
    # termination on the 14th of a 28-day February: 28,000 x 14/28
    assert sxl_prorate(28000, dt.date(2026, 2, 1), dt.date(2026, 2, 28), None, dt.date(2026, 2, 14)) == 14_000.0
    assert sxl_prorate(100, "x", 1, 2).startswith("#VALUE!")

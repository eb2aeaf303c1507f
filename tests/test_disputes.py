"""Disputes (docs/commissions.md, "Disputes"): checked, listed, and paid as an adjustment when resolved."""
from __future__ import annotations

import pytest

from salesops_xl.commissions.disputes import open_disputes, summary_frame
from salesops_xl.commissions.inputs import load_inputs
from salesops_xl.errors import InputError

from helpers import D, deal, lines, rep, run, workbook


def _dispute(did, rep_id="A", deal_id="D1", status="Open", amount=None, resolved=None, raised=D(2026, 2, 3),
             period=None, reason="Split should be 60/40", resolution=None):
    return {"DisputeID": did, "RepID": rep_id, "DealID": deal_id, "Period": period, "RaisedBy": "Rep",
            "RaisedOn": raised, "Reason": reason, "Status": status, "Resolution": resolution,
            "ResolvedOn": resolved, "Amount": amount}


def _book(*disputes):
    return workbook(reps=[rep("A"), rep("B")],
                    deals=[deal("D1", "A", 10_000, D(2026, 1, 10)), deal("D2", "B", 20_000, D(2026, 1, 12))],
                    extra_tables={"Disputes": list(disputes)})


def test_a_resolved_dispute_with_an_amount_is_paid_in_the_month_it_was_resolved():
    r = run(_book(_dispute("X1", status="Resolved", amount=350.0, resolved=D(2026, 3, 9),
                           resolution="credit difference agreed"),
                  _dispute("X2", status="Rejected", resolved=D(2026, 3, 10), resolution="split is right")))
    s = r.summary.set_index(["RepID", "PayMonth"])
    # March: commission 0 (no deal), adjustments 350.00 -> total 350.00; January unchanged: 10,000 x 5% = 500
    assert s.loc[("A", "2026-03"), "Adjustments"] == 35_000 and s.loc[("A", "2026-03"), "Total"] == 35_000
    assert s.loc[("A", "2026-01"), "Total"] == 50_000
    (line,) = lines(r, "A", None)[lambda f: f.LineType == "Dispute adjustment"].to_dict("records")
    assert line["Amount"] == 35_000 and line["Note"] == "Dispute X1 (D1): credit difference agreed"
    frame = summary_frame(r.inputs)
    assert list(frame["DisputeID"]) == ["X1", "X2"] and list(frame["PaidIn"]) == ["2026-03", None]


def test_open_disputes_come_first_in_the_summary_and_are_listed_for_the_rep():
    src = _book(_dispute("X1", status="Resolved", amount=10.0, resolved=D(2026, 3, 9)),
                _dispute("X2", rep_id="B", deal_id=None, period="2026-01", reason="SPIF missing"))
    r = run(src)
    assert list(summary_frame(r.inputs)["DisputeID"]) == ["X2", "X1"]
    assert open_disputes(r.inputs, "B") == [
        "Dispute X2 about pay month 2026-01, raised 2026-02-03: SPIF missing - open, under review."]
    assert open_disputes(r.inputs, "A") == []


def test_a_dispute_resolved_after_as_of_is_not_paid_yet():
    src = _book(_dispute("X1", status="Resolved", amount=350.0, resolved=D(2026, 5, 2)))
    src._tables["settings"].data["Value"] = [D(2026, 1, 1), D(2026, 3, 31)]
    r = run(src)
    assert not (r.lines.LineType == "Dispute adjustment").any()


@pytest.mark.parametrize("change, message", [
    (dict(deal_id="D9"), 'column DealID, cell C2: a dispute about an unknown deal; found "D9"'),
    (dict(deal_id="D2"), 'column DealID, cell C2: rep A is not credited on this deal; found "D2"'),
    (dict(rep_id="Z"), 'column RepID, cell B2: unknown rep; found "Z"'),
    (dict(amount=100.0), "column Amount, cell K2: an amount on a dispute that is Open; found 100"),
    (dict(status="Resolved", amount=5.0), "column ResolvedOn, cell J2: a Resolved dispute without the date"),
    (dict(status="Resolved", amount=5.0, resolved=D(2026, 1, 2)), "column ResolvedOn, cell J2: resolved before it "
                                                                  "was raised"),
])
def test_bad_disputes_are_refused_naming_the_cell(change, message):
    with pytest.raises(InputError) as e:
        load_inputs(_book(_dispute("X1", **change)))
    assert "sheet 'Disputes', table Disputes: row 2, " + message in str(e.value)


def test_the_reps_statement_lists_their_open_disputes_only():
    from salesops_xl.commissions.statements import statement_sheets

    r = run(_book(_dispute("X1"), _dispute("X2", rep_id="B", deal_id="D2", reason="wrong rate")))
    notes = [t for _, t in statement_sheets(r, "A")[0].notes]
    assert "Your open disputes" in notes
    assert any(t.startswith("Dispute X1 about deal D1, raised 2026-02-03: Split should be 60/40") for t in notes)
    assert not any("X2" in t for t in notes)

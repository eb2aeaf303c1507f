"""Quoting benchmark: 10,000 quote lines priced and checked, against a plain-Python line-by-line
implementation of the same rules and LibreOffice computing the same rules as native formulas - side by
side in one run.

    python bench/bench_quotes.py                     # 10,000 lines in 2,500 quotes (the issue's size)
    python bench/bench_quotes.py --lines 100000
    python bench/bench_quotes.py --skip-libreoffice

What it measures:

* ``engine``      - pricing every line (volume tier, term discount, discretionary discount, rounding, floor,
  margin), summing per quote, the approval matrix (every rule met, the strictest), on validated inputs
  (best of 7, in process);
* ``workflow``    - what a script/ribbon button does: read and validate the raw tables, compute, build the
  output sheets (best of 3);
* ``cli recalc``  - ``salesops-xl recalc`` on the generated .xlsx, whole process (wall time, peak RSS);
* ``python loops`` - the same rules written line by line in plain Python (a typical macro or script); its
  prices and approvers are checked equal to the engine's;
* ``libreoffice`` - LibreOffice headless recalculating the same rules written as native formulas (MATCH/INDEX
  into the price book, MAXIFS/SUMIFS for the tier, LOOKUP for the term, ROUND, SUMIFS per quote, one column
  per approval-matrix row), like an analyst's spreadsheet; whole process. Its net prices, floor flags and
  approvers are compared with ours.

Results are printed with their ratios and written to bench/out/quotes.json.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from salesops_xl.quotes import engine as E  # noqa: E402
from salesops_xl.quotes.inputs import load_inputs  # noqa: E402
from salesops_xl.quotes.sample import sample_tables  # noqa: E402
from salesops_xl.source import MemorySource  # noqa: E402

sys.path.insert(0, str(HERE))
from bench_quotas import lo_profile, timed  # noqa: E402  (one LibreOffice profile and process timer for the benches)


def bench_tables(n_lines: int = 10_000, seed: int = 7) -> dict[str, pd.DataFrame]:
    """The template's price book, schedules and approval matrix; ``n_lines`` random lines, 4 per quote."""
    t = sample_tables()
    rng = np.random.RandomState(seed)
    n_q = max(1, n_lines // 4)
    ccy = rng.choice(["USD", "USD", "USD", "EUR", "GBP"], n_q)
    quotes = pd.DataFrame({"QuoteID": [f"Q-{100000 + i}" for i in range(n_q)], "Customer": "Customer",
                           "Currency": ccy, "TermMonths": rng.choice([12, 12, 24, 36, 18], n_q),
                           "NonStandardTerms": np.where(rng.rand(n_q) < 0.1, "Net 90 payment", None),
                           "Owner": "R001", "DealID": [f"D-{i}" for i in range(n_q)]})
    prods = t["PriceBook"]["Product"].unique()
    q_of = np.sort(rng.randint(0, n_q, n_lines))
    q_of[:n_q] = np.arange(n_q)  # every quote has a line
    q_of.sort()
    lines = pd.DataFrame({"QuoteID": quotes["QuoteID"].to_numpy()[q_of], "Product": rng.choice(prods, n_lines),
                          "Quantity": rng.choice([1, 3, 10, 25, 40, 60, 100, 150, 600], n_lines),
                          "Discount": rng.choice([0.0, 0.0, 0.0, 0.05, 0.10, 0.12, 0.15, 0.22, 0.30], n_lines)})
    t["Quotes"], t["QuoteLines"] = quotes, lines
    return t


def has_terms(x) -> bool:
    """Quotes[NonStandardTerms] is not blank (a blank cell may come as None or NaN)."""
    return isinstance(x, str) and x.strip() != ""


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def python_loops(t: dict[str, pd.DataFrame]) -> tuple[list[int], list[str]]:
    """The same rules line by line, quote by quote (dicts and loops): net unit prices (cents), approvers."""
    def half_away(x: float) -> int:
        x = round(x, 6)
        return int(math.copysign(math.floor(abs(x) + 0.5), x))

    book = {(r.Product, r.Currency): r for r in t["PriceBook"].itertuples(index=False)}
    tiers: dict[str, list] = {}
    for r in t["VolumeTiers"].itertuples(index=False):
        tiers.setdefault(r.Schedule, []).append((r.MinQty, r.Discount))
    terms = sorted(zip(t["TermDiscounts"].TermMonths, t["TermDiscounts"].Discount))
    quotes = {r.QuoteID: r for r in t["Quotes"].itertuples(index=False)}
    fx = dict(zip(t["QuoteFX"].Currency, t["QuoteFX"].Rate))
    fx["USD"] = 1.0
    agg: dict[str, list] = {}
    nets = []
    for ln in t["QuoteLines"].itertuples(index=False):
        q = quotes[ln.QuoteID]
        p = book[(ln.Product, q.Currency)]
        v = 0.0
        for mq, d in sorted(tiers.get(p.VolumeSchedule, [])):
            if ln.Quantity >= mq:
                v = d
        td = 0.0
        for m, d in terms:
            if q.TermMonths >= m:
                td = d
        lc = half_away(p.ListPrice * 100)
        std = half_away(lc * (1 - v) * (1 - td))
        net = half_away(lc * (1 - v) * (1 - td) * (1 - ln.Discount))
        nets.append(net)
        a = agg.setdefault(ln.QuoteID, [0, 0, 0, 0])
        a[0] += std * ln.Quantity
        a[1] += net * ln.Quantity
        a[2] += half_away(p.UnitCost * 100) * ln.Quantity
        a[3] += net < half_away(p.FloorPrice * 100)
    approvers = []
    rules = list(t["ApprovalRules"].itertuples(index=False))
    for qid, q in quotes.items():
        std, net, cost, below = agg[qid]
        disc = 1 - net / std if std else 0.0
        margin = (net - cost) / net if net else -math.inf
        base = half_away(net / fx[q.Currency]) / 100
        best, who = 0, "None (within guardrails)"
        for r in rules:
            met = {"Discount": lambda: disc > r.Threshold + 1e-9, "DealSize": lambda: base >= r.Threshold - 0.005,
                   "Margin": lambda: margin < r.Threshold - 1e-9,
                   "NonStandardTerms": lambda: has_terms(q.NonStandardTerms),
                   "BelowFloor": lambda: below > 0}[r.Rule]()
            if met and r.Level > best:
                best, who = r.Level, r.Approver
        approvers.append(who)
    return nets, approvers


def formula_workbook(path: Path, t: dict[str, pd.DataFrame]) -> None:
    """The same rules as native formulas, without cached values (LibreOffice computes all)."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    pb, vt, td, ar = t["PriceBook"], t["VolumeTiers"], t["TermDiscounts"].sort_values("TermMonths"), t["ApprovalRules"]
    ws = wb.create_sheet("PB")
    ws.append(["Key", "ListPrice", "FloorPrice", "UnitCost", "Schedule"])
    for r in pb.itertuples(index=False):
        ws.append([f"{r.Product}|{r.Currency}", r.ListPrice, r.FloorPrice, r.UnitCost, r.VolumeSchedule or "-"])
    npb = len(pb) + 1
    ws = wb.create_sheet("VT")
    ws.append(["Schedule", "MinQty", "Discount"])
    for r in vt.itertuples(index=False):
        ws.append([r.Schedule, int(r.MinQty), r.Discount])
    nvt = len(vt) + 1
    ws = wb.create_sheet("TD")
    ws.append(["TermMonths", "Discount"])
    for r in td.itertuples(index=False):
        ws.append([int(r.TermMonths), r.Discount])
    ntd = len(td) + 1
    ws = wb.create_sheet("AR")
    ws.append(["Level", "Approver", "Rule", "Threshold"])
    for r in ar.itertuples(index=False):
        ws.append([int(r.Level), r.Approver, r.Rule, None if pd.isna(r.Threshold) else float(r.Threshold)])
    q, ql = t["Quotes"], t["QuoteLines"]
    ccy = dict(zip(q.QuoteID, q.Currency))
    term = dict(zip(q.QuoteID, q.TermMonths))
    n = len(ql) + 1
    ws = wb.create_sheet("Lines")
    ws.append(["QuoteID", "Product", "Currency", "Qty", "Term", "Disc", "Key", "Row", "List", "Floor", "Cost",
               "Schedule", "TierMin", "VolDisc", "TermDisc", "Std", "Net", "NetAmt", "StdAmt", "CostAmt", "Below"])
    for i, r in enumerate(ql.itertuples(index=False), start=2):
        ws.append([r.QuoteID, r.Product, ccy[r.QuoteID], int(r.Quantity), int(term[r.QuoteID]), float(r.Discount),
                   f'=B{i}&"|"&C{i}', f"=MATCH(G{i},PB!$A$2:$A${npb},0)", f"=INDEX(PB!$B$2:$B${npb},H{i})",
                   f"=INDEX(PB!$C$2:$C${npb},H{i})", f"=INDEX(PB!$D$2:$D${npb},H{i})",
                   f"=INDEX(PB!$E$2:$E${npb},H{i})",
                   f'=_xlfn.MAXIFS(VT!$B$2:$B${nvt},VT!$A$2:$A${nvt},L{i},VT!$B$2:$B${nvt},"<="&D{i})',
                   f"=SUMIFS(VT!$C$2:$C${nvt},VT!$A$2:$A${nvt},L{i},VT!$B$2:$B${nvt},M{i})",
                   f"=IFERROR(LOOKUP(E{i},TD!$A$2:$A${ntd},TD!$B$2:$B${ntd}),0)",
                   f"=ROUND(I{i}*(1-N{i})*(1-O{i}),2)", f"=ROUND(I{i}*(1-N{i})*(1-O{i})*(1-F{i}),2)",
                   f"=Q{i}*D{i}", f"=P{i}*D{i}", f"=K{i}*D{i}", f"=IF(Q{i}<J{i},1,0)"])
    fxr = dict(zip(t["QuoteFX"].Currency, t["QuoteFX"].Rate))
    ws = wb.create_sheet("Quotes")
    k = len(ar)
    rule_cols = [openpyxl.utils.get_column_letter(12 + j) for j in range(k)]
    ws.append(["QuoteID", "Currency", "Rate", "NonStd", "Net", "Std", "Cost", "Below", "Disc", "Margin", "Base"]
              + [f"Rule{j + 1}" for j in range(k)] + ["Best", "Approver"])
    for i, r in enumerate(q.itertuples(index=False), start=2):
        cond = {"Discount": "I{i}>AR!$D${r}", "DealSize": "K{i}>=AR!$D${r}", "Margin": "J{i}<AR!$D${r}",
                "NonStandardTerms": "D{i}=1", "BelowFloor": "H{i}>0"}
        rules = [f"=IF({cond[x.Rule].format(i=i, r=j + 2)},AR!$A${j + 2}*100+{100 - j - 1},0)"
                 for j, x in enumerate(ar.itertuples(index=False))]
        best = openpyxl.utils.get_column_letter(12 + k)
        rng = f"Lines!$A$2:$A${n}"
        ws.append([r.QuoteID, r.Currency, fxr.get(r.Currency, 1.0), 1 if has_terms(r.NonStandardTerms) else 0,
                   f"=SUMIFS(Lines!$R$2:$R${n},{rng},A{i})", f"=SUMIFS(Lines!$S$2:$S${n},{rng},A{i})",
                   f"=SUMIFS(Lines!$T$2:$T${n},{rng},A{i})", f"=SUMIFS(Lines!$U$2:$U${n},{rng},A{i})",
                   f"=IF(F{i}=0,0,1-E{i}/F{i})", f"=IF(E{i}=0,-1E9,(E{i}-G{i})/E{i})", f"=ROUND(E{i}/C{i},2)"]
                  + rules + [f"=MAX({rule_cols[0]}{i}:{rule_cols[-1]}{i})",
                             f'=IF({best}{i}=0,"None (within guardrails)",INDEX(AR!$B$2:$B${k + 1},'
                             f"100-MOD({best}{i},100)))"])
    wb.save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--skip-libreoffice", action="store_true")
    ap.add_argument("--skip-cli", action="store_true")
    ap.add_argument("--out", default=str(HERE / "out"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    res: dict = {"lines": args.lines, "machine": platform.platform(), "cpus": os.cpu_count(),
                 "python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__}
    t = bench_tables(args.lines)
    res["quotes"] = len(t["Quotes"])
    print(f"{len(t['QuoteLines']):,} lines in {len(t['Quotes']):,} quotes; {len(t['PriceBook'])} price rows, "
          f"{len(t['ApprovalRules'])} approval rules")
    inp = load_inputs(MemorySource(t, workbook="bench.xlsx"))
    t_eng, r = best_of(lambda: E.compute(inp, computed_at="bench"), 7)

    def workflow():
        from salesops_xl.quotes.workflow import recalc_quotes

        return recalc_quotes(MemorySource(t, workbook="bench.xlsx"), computed_at="bench")

    t_wf, _ = best_of(workflow, 3)
    t_py, (py_net, py_who) = best_of(lambda: python_loops(t), 1)
    same_py = py_net == r.lines.NetPrice.tolist() and py_who == r.quotes.Approver.tolist()
    res.update({"engine_seconds": round(t_eng, 4), "workflow_seconds": round(t_wf, 4),
                "python_loops_seconds": round(t_py, 3), "python_loops_same_numbers": bool(same_py),
                "below_floor_lines": int(r.lines.BelowFloor.sum()),
                "quotes_needing_approval": int((r.quotes.ApprovalLevel > 0).sum())})
    tmp = Path(tempfile.mkdtemp(prefix="bench-quotes-"))
    try:
        if not args.skip_cli:
            from salesops_xl.quotes.template import quote_input_sheets
            from salesops_xl.xlsx.writer import write_sheets

            wbp = tmp / "quotes-bench.xlsx"
            write_sheets(None, wbp, quote_input_sheets(t))
            res["cli_recalc"] = timed([sys.executable, "-m", "salesops_xl.cli", "recalc", str(wbp), "-q"])
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice and not args.skip_libreoffice:
            fx = tmp / "formulas.xlsx"
            formula_workbook(fx, t)
            outdir = tmp / "lo"
            cmd = [soffice, f"-env:UserInstallation={lo_profile(tmp)}", "--headless", "--norestore",
                   "--convert-to", "xlsx", "--outdir", str(outdir), str(fx)]
            res["libreoffice"] = timed(cmd, timeout=3600)
            import python_calamine as pc

            book = pc.CalamineWorkbook.from_path(str(outdir / "formulas.xlsx"))
            lrows = book.get_sheet_by_name("Lines").to_python()
            h = lrows[0]
            lo_net = [round(x[h.index("Net")] * 100) for x in lrows[1:]]
            lo_below = [bool(x[h.index("Below")]) for x in lrows[1:]]
            qrows = book.get_sheet_by_name("Quotes").to_python()
            qh = qrows[0]
            lo_who = [x[qh.index("Approver")] for x in qrows[1:]]
            res["libreoffice_net_prices_equal"] = int(sum(a == b for a, b in zip(lo_net, r.lines.NetPrice)))
            res["libreoffice_floor_flags_equal"] = int(sum(a == b for a, b in zip(lo_below, r.lines.BelowFloor)))
            res["libreoffice_approvers_equal"] = int(sum(a == b for a, b in zip(lo_who, r.quotes.Approver)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    (out / "quotes.json").write_text(json.dumps(res, indent=2, default=str))
    n, nq = len(t["QuoteLines"]), len(t["Quotes"])
    print(f"\n{n:,} lines priced and checked ({res['below_floor_lines']:,} below floor, "
          f"{res['quotes_needing_approval']:,} of {nq:,} quotes need an approval)")
    print(f"  {'engine (price, flag, route)':<36} {t_eng:>9.4f}s  best of 7")
    print(f"  {'workflow (validate+compute+sheets)':<36} {t_wf:>9.4f}s  best of 3")
    if "cli_recalc" in res:
        c = res["cli_recalc"]
        print(f"  {'salesops-xl recalc (whole process)':<36} {c['seconds']:>9.3f}s  peak {c['peak_mib']} MiB")
    print(f"  {'plain-Python line loops':<36} {t_py:>9.4f}s  {t_py / t_eng:>7.1f}x the engine; same prices and "
          f"approvers: {same_py}")
    lo = res.get("libreoffice")
    if lo:
        print(f"  {'LibreOffice native formulas':<36} {lo['seconds']:>9.3f}s  {lo['seconds'] / t_eng:>7.0f}x the "
              f"engine, {lo['seconds'] / res['cli_recalc']['seconds'] if 'cli_recalc' in res else float('nan'):.1f}x "
              f"the whole CLI recalc (whole process, peak {lo['peak_mib']} MiB)")
        print(f"  {'':<36} agreement with ours: net prices {res['libreoffice_net_prices_equal']:,}/{n:,}, floor flags "
              f"{res['libreoffice_floor_flags_equal']:,}/{n:,}, approvers {res['libreoffice_approvers_equal']:,}/{nq:,}")
    print(f"\nwritten to {out / 'quotes.json'}")


if __name__ == "__main__":
    main()

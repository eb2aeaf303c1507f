"""E-mailed statements benchmark: render and deliver every rep's statement to a local SMTP server.

    python bench/bench_delivery.py                      # 1,000 / 2,500 / 5,000 reps, 20 deals each
    python bench/bench_delivery.py --reps 500 1000

What it measures, side by side in one run, each a whole process under /usr/bin/time -v (wall time, peak RSS):

* ``write``    - ``salesops-xl statements WB --out DIR --jobs 1``: reading, computing and writing every statement
                 (the part of the work that is not delivery);
* ``send``     - ``salesops-xl statements WB --out DIR --jobs 1 --send``: the same, plus one message per rep
                 (its own report splits the time: statements written, then delivery),
                 composed one at a time, sent over one SMTP connection, journalled, and the Delivery Log
                 written into the workbook. Peak memory at 1,000 / 2,500 / 5,000 reps shows whether it stays
                 flat (messages are composed when sent, not all held at once);
* ``smtplib``  - the floor: a bare ``smtplib`` loop sending the very same messages (the .eml files of a dry run)
                 over one connection, nothing else.

The SMTP server is aiosmtpd's ``Sink`` handler on 127.0.0.1 in its own process (it accepts and discards).
Results are printed with ratios and written to bench/out/delivery.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_commissions import bench_tables, timed, write_workbook  # noqa: E402

CLI = [sys.executable, "-m", "salesops_xl.cli"]

SEND_RAW = r"""
import smtplib, sys
from pathlib import Path
files = sorted(Path(sys.argv[1]).glob("*.eml"))
conn = smtplib.SMTP("127.0.0.1", int(sys.argv[2]))
for f in files:
    conn.sendmail("ops@example.com", [f.stem.lower() + "@example.com"], f.read_bytes().replace(b"\n", b"\r\n"))
conn.quit()
print(len(files))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _workbook(folder: Path, n_reps: int) -> Path:
    import pandas as pd

    tables = bench_tables(n_deals=20 * n_reps, n_reps=n_reps)
    tables["Roster"]["Email"] = [f"{r.lower()}@example.com" for r in tables["Roster"]["RepID"]]
    tables["Settings"] = pd.concat([tables["Settings"], pd.DataFrame(
        {"Setting": ["EmailFrom"], "Value": ["Sales Ops <ops@example.com>"]})], ignore_index=True)
    path = folder / f"delivery_{n_reps}.xlsx"
    write_workbook(path, tables)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, nargs="+", default=[1000, 2500, 5000])
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                               "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="sxl-delivery-") as tmp:
            tmp = Path(tmp)
            cfg = tmp / "smtp.toml"
            cfg.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n')
            for n in args.reps:
                wb = _workbook(tmp, n)
                write = timed(CLI + ["statements", str(wb), "--out", str(tmp / f"w{n}"), "--jobs", "1"], env=env)
                dry = tmp / f"d{n}"
                subprocess.run(CLI + ["statements", str(wb), "--out", str(dry), "--jobs", "1", "--send", "--dry-run",
                                      "-q"], check=True, env=env, capture_output=True)
                send = timed(CLI + ["statements", str(wb), "--out", str(tmp / f"s{n}"), "--jobs", "1", "--send",
                                    "--smtp-config", str(cfg), "-q"], env=env)
                m = re.search(r"statements ([\d.]+) s, delivery ([\d.]+) s", send["stdout"])
                inner_write, inner_send = float(m[1]), float(m[2])
                raw = timed([sys.executable, "-c", SEND_RAW, str(dry / "outbox"), str(port)], env=env)
                row = {"reps": n, "write_s": write["seconds"], "write_mib": write["peak_mib"],
                       "send_s": send["seconds"], "send_mib": send["peak_mib"], "smtplib_s": raw["seconds"],
                       "statements_in_process_s": inner_write, "delivery_s": inner_send}
                row["delivery_vs_smtplib"] = round(row["delivery_s"] / raw["seconds"], 2) if raw["seconds"] else None
                results.append(row)
                print(f"{n:>6,} reps: write {write['seconds']:6.1f} s {write['peak_mib']:6.0f} MiB | "
                      f"write+send {send['seconds']:6.1f} s {send['peak_mib']:6.0f} MiB | delivery adds "
                      f"{row['delivery_s']:5.1f} s ({row['delivery_s'] / n * 1000:.1f} ms a message) | bare smtplib "
                      f"{raw['seconds']:5.1f} s -> {row['delivery_vs_smtplib']}x", flush=True)
    finally:
        server.terminate()
        server.wait()
    if len(results) > 1:
        a, b = results[0], results[-1]
        print(f"peak memory of write+send: {a['send_mib']:.0f} MiB at {a['reps']:,} reps, {b['send_mib']:.0f} MiB at "
              f"{b['reps']:,} ({b['send_mib'] / a['send_mib']:.2f}x for {b['reps'] / a['reps']:.0f}x the reps); "
              f"write alone: {a['write_mib']:.0f} -> {b['write_mib']:.0f} MiB")
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "delivery.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Statements reach each rep by e-mail: a real SMTP server on the loopback interface reads back every message.

The rules (docs/commissions.md, "Statements by e-mail"): each rep gets one message with only their own
statement attached; a rep without Roster[Email] is listed and skipped; the Delivery Log records each
message the server accepted and nothing else; a rerun for the same period sends only what is not yet
delivered; a connection lost mid-batch resumes without anyone getting two messages.
"""
from __future__ import annotations

import email
import email.policy
import hashlib
import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

aiosmtpd = pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

from helpers import D, deal, measure, rep, tiers  # noqa: E402
from salesops_xl.commissions.engine import compute  # noqa: E402
from salesops_xl.commissions.inputs import load_inputs  # noqa: E402
from salesops_xl.batch.delivery import DeliveryError, read_log, send_statements  # noqa: E402
from salesops_xl.errors import InputError  # noqa: E402
from salesops_xl.xlsx.reader import XlsxSource  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "salesops_xl.cli"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


# -- a real SMTP server --------------------------------------------------------------------------

class Inbox:
    """aiosmtpd handler: keeps every accepted message; can refuse an address or drop the connection."""

    def __init__(self, refuse=(), drop_after: int | None = None):
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.refuse = set(refuse)
        self.drop_after = drop_after

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop_after is not None and len(self.messages) >= self.drop_after:
            server.transport.close()  # the connection drops in the middle of the batch
            return "421 closing"
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, inbox: Inbox, *, password: str | None = None):
        self.inbox = inbox
        self.port = _free_port()
        kw = {}
        if password is not None:
            def auth(server, session, envelope, mechanism, data):
                ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"ops", password.encode())
                return AuthResult(success=ok, handled=False)  # not handled: the server answers 535 itself
            kw = dict(authenticator=auth, auth_require_tls=False, auth_required=True)
        self.controller = Controller(inbox, hostname="127.0.0.1", port=self.port, **kw)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


# -- a small commission workbook on disk ---------------------------------------------------------

def _write(path: Path, reps: list[dict], settings: list[dict]) -> Path:
    from salesops_xl.commissions.template import commission_input_sheets
    from salesops_xl.xlsx.writer import write_sheets

    ms = [measure()]
    ids = list(dict.fromkeys(r["RepID"] for r in reps))
    deals = [deal(f"D{i}", r, 50_000 + 1000 * i, D(2026, 3, 10)) for i, r in enumerate(ids)]
    tables = {
        "Settings": pd.DataFrame([{"Setting": "PlanYearStart", "Value": D(2026, 1, 1), "Description": None},
                                  {"Setting": "AsOfDate", "Value": D(2026, 3, 31), "Description": None}] + settings),
        "Roster": pd.DataFrame(reps),
        "Plans": pd.DataFrame([{"PlanID": "P", "PlanName": "Plan P"}]),
        "PlanMeasures": pd.DataFrame(ms),
        "Tiers": pd.DataFrame(tiers("T", (0, 1.0, 0.05), (1.0, None, 0.10))),
        "Quotas": pd.DataFrame([{"RepID": r["RepID"], "Measure": "NB", "Period": f"2026-{m:02d}", "Quota": 100_000.0}
                                for r in {r["RepID"]: r for r in reps}.values() for m in range(1, 13)]),
        "Deals": pd.DataFrame(deals),
    }
    write_sheets(None, path, commission_input_sheets(tables))
    return path


def _reps(n: int, *, emails=None, manager: str | None = None) -> list[dict]:
    out = []
    for i in range(n):
        r = rep(f"R{i + 1}", name=f"Rep Number{i + 1}", manager=manager)
        r["Email"] = (emails or {}).get(r["RepID"], f"rep{i + 1}@example.com")
        out.append(r)
    return out


def _smtp(port: int, **extra) -> list[dict]:
    rows = {"SmtpHost": "127.0.0.1", "SmtpPort": port, "SmtpSecurity": "None",
            "EmailFrom": "Sales Ops <ops@example.com>", **extra}
    return [{"Setting": k, "Value": v, "Description": None} for k, v in rows.items()]


def _attachments(msg) -> list:
    return [p for p in msg.iter_attachments()]


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


# -- the rules -----------------------------------------------------------------------------------

def test_each_rep_gets_one_message_with_only_their_own_statement(tmp_path):
    with Server(Inbox()) as srv:
        reps = _reps(3, emails={"R3": None})
        wb = _write(tmp_path / "c.xlsx", reps, _smtp(srv.port))
        out = tmp_path / "out"
        report = send_statements(wb, out)
    got = srv.inbox.messages
    assert sorted(to[0] for _, to, _ in got) == ["rep1@example.com", "rep2@example.com"]
    assert [o.rep_id for o in report.no_address] == ["R3"]  # listed and skipped, not an error for the others
    for _, to, msg in got:
        rep_id = "R" + to[0][3]
        atts = _attachments(msg)
        assert len(atts) == 1  # exactly one attachment
        data = atts[0].get_content()
        assert atts[0].get_filename() == f"statement_{rep_id}.xlsx"
        assert _sha(data) == _sha((out / f"statement_{rep_id}.xlsx").read_bytes())  # that rep's own file
        others = [r["RepID"] for r in reps if r["RepID"] != rep_id]
        with zipfile.ZipFile(out / f"statement_{rep_id}.xlsx") as z:  # nothing of any other rep inside
            text = b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "replace")
        for o in others:
            assert f">{o}<" not in text and f"Rep Number{o[1:]}<" not in text
        assert msg["Subject"] == "Your commission statement for 2026-03"
        assert msg["From"] == "Sales Ops <ops@example.com>"
        kinds = {p.get_content_type() for p in msg.walk()}
        assert {"text/plain", "text/html"} <= kinds  # plain text and HTML
    # the Delivery Log in the workbook: one Sent row per delivered message, with the attachment's hash
    with XlsxSource(wb) as src:
        log = read_log(src)
    sent = [r for r in log.rows if r["Status"] == "Sent"]
    assert sorted(r["RepID"] for r in sent) == ["R1", "R2"]
    for r in sent:
        assert r["AttachmentSHA256"] == _sha((out / f"statement_{r['RepID']}.xlsx").read_bytes())
        assert r["Period"] == "2026-03" and r["MessageID"].startswith("<") and r["Time"]
    assert [r["Status"] for r in log.rows if r["RepID"] == "R3"] == ["No address"]


def test_a_rerun_sends_only_what_is_not_yet_delivered_and_resend_forces_one(tmp_path):
    inbox = Inbox()
    with Server(inbox) as srv:
        wb = _write(tmp_path / "c.xlsx", _reps(3), _smtp(srv.port))
        send_statements(wb, tmp_path / "out")
        assert len(inbox.messages) == 3
        again = send_statements(wb, tmp_path / "out")
        assert len(inbox.messages) == 3 and len(again.skipped_delivered) == 3  # nobody gets a second message
        forced = send_statements(wb, tmp_path / "out", resend=["R2"])
        assert [o.rep_id for o in forced.sent] == ["R2"] and len(inbox.messages) == 4


def test_a_connection_dropped_after_the_third_message_resumes_without_duplicates(tmp_path):
    wb = None
    first = Inbox(drop_after=3)
    with Server(first) as srv:
        wb = _write(tmp_path / "c.xlsx", _reps(5), _smtp(srv.port))
        with pytest.raises(DeliveryError, match=r"lost .* after 3 messages of 5 were delivered; 2 messages were not"):
            send_statements(wb, tmp_path / "out")
    assert len(first.messages) == 3
    with XlsxSource(wb) as src:
        logged = [r["RepID"] for r in read_log(src).rows if r["Status"] == "Sent"]
    assert sorted(logged) == sorted("R" + to[0][3] for _, to, _ in first.messages)  # never claims what wasn't
    second = Inbox()
    # the server comes back on another port: point the workbook at it through a config file
    with Server(second) as srv2:
        cfg = tmp_path / "smtp.toml"
        cfg.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {srv2.port}\nsecurity = "none"\n')
        send_statements(wb, tmp_path / "out", config=cfg)
    everyone = [to[0] for _, to, _ in first.messages + second.messages]
    assert sorted(everyone) == [f"rep{i}@example.com" for i in range(1, 6)]  # each exactly once


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a loopback test server, no TLS
def test_a_server_that_refuses_the_login_gets_nothing_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESOPS_SMTP_PASSWORD", "wrong")
    with Server(Inbox(), password="right") as srv:
        wb = _write(tmp_path / "c.xlsx", _reps(2), _smtp(srv.port, SmtpUser="ops"))
        before = wb.read_bytes()
        with pytest.raises(DeliveryError, match="refused the login of 'ops'.*SALESOPS_SMTP_PASSWORD; nothing was sent"):
            send_statements(wb, tmp_path / "out")
        assert srv.inbox.messages == [] and wb.read_bytes() == before and not (tmp_path / "out").exists()
        monkeypatch.setenv("SALESOPS_SMTP_PASSWORD", "right")  # with the right password it goes through
        send_statements(wb, tmp_path / "out")
        assert len(srv.inbox.messages) == 2


def test_a_missing_password_variable_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("OPS_SMTP_PW", raising=False)
    wb = _write(tmp_path / "c.xlsx", _reps(1), _smtp(1, SmtpUser="ops", SmtpPasswordEnv="OPS_SMTP_PW"))
    with pytest.raises(DeliveryError, match="environment variable OPS_SMTP_PW"):
        send_statements(wb, tmp_path / "out")


def test_an_unreachable_server_is_named_and_nothing_is_sent(tmp_path):
    wb = _write(tmp_path / "c.xlsx", _reps(1), _smtp(_free_port()))
    with pytest.raises(DeliveryError, match=r"Cannot reach the SMTP server 127\.0\.0\.1:\d+.*nothing was sent"):
        send_statements(wb, tmp_path / "out")


def test_an_invalid_address_is_an_input_error_naming_its_cell_and_nothing_is_sent(tmp_path):
    with Server(Inbox()) as srv:
        wb = _write(tmp_path / "c.xlsx", _reps(2, emails={"R2": "rep2 at example"}), _smtp(srv.port))
        with pytest.raises(InputError) as e:
            send_statements(wb, tmp_path / "out")
        assert srv.inbox.messages == []
    text = str(e.value)
    assert "sheet 'Roster'" in text and "row 3, column Email, cell I3" in text and '"rep2 at example"' in text


def test_a_recipient_the_server_refuses_is_logged_as_refused_and_the_others_go(tmp_path):
    with Server(Inbox(refuse={"rep2@example.com"})) as srv:
        wb = _write(tmp_path / "c.xlsx", _reps(3), _smtp(srv.port))
        report = send_statements(wb, tmp_path / "out")
    assert sorted(o.rep_id for o in report.sent) == ["R1", "R3"]
    assert [(o.rep_id, why[:3]) for o, why in report.refused] == [("R2", "550")]
    with XlsxSource(wb) as src:
        status = {r["RepID"]: r["Status"] for r in read_log(src).rows}
    assert status == {"R1": "Sent", "R2": "Refused", "R3": "Sent"}  # the log never claims R2 was delivered


def test_a_rep_listed_twice_gets_one_message(tmp_path):
    reps = _reps(2)
    later = dict(reps[0], EffectiveFrom=D(2026, 2, 1), Email="new.address@example.com")
    reps[0]["EffectiveTo"] = D(2026, 1, 31)
    with Server(Inbox()) as srv:
        wb = _write(tmp_path / "c.xlsx", reps + [later], _smtp(srv.port))
        send_statements(wb, tmp_path / "out", reps=["R1", "R1"])  # on the command line twice, in the Roster twice
    assert [to for _, to, _ in srv.inbox.messages] == [["new.address@example.com"]]  # the latest row's address


def test_an_unknown_placeholder_names_the_settings_row(tmp_path):
    wb = _write(tmp_path / "c.xlsx", _reps(1), _smtp(1, EmailSubject="Statement {perod}"))
    with pytest.raises(InputError) as e:
        send_statements(wb, tmp_path / "out", dry_run=True)
    assert "unknown placeholder {perod}" in str(e.value) and "sheet 'Settings'" in str(e.value)


def test_a_manager_gets_the_team_statements_in_one_message_when_the_setting_says_so(tmp_path):
    reps = [dict(rep("M", name="Mia Manager"), Email="mia@example.com")] + _reps(2, manager="M")
    with Server(Inbox()) as srv:
        wb = _write(tmp_path / "c.xlsx", reps, _smtp(srv.port, EmailManagerTeams="Yes"))
        send_statements(wb, tmp_path / "out")
    to_mia = [m for _, to, m in srv.inbox.messages if to == ["mia@example.com"]]
    assert len(to_mia) == 2  # her own statement, and her team's
    team = [m for m in to_mia if len(_attachments(m)) == 2]
    assert [a.get_filename() for a in _attachments(team[0])] == ["statement_R1.xlsx", "statement_R2.xlsx"]


def test_dry_run_writes_eml_files_sends_nothing_and_prints_no_amounts(tmp_path):
    with Server(Inbox()) as srv:
        wb = _write(tmp_path / "c.xlsx", _reps(2, emails={"R2": None}), _smtp(srv.port))
        before = wb.read_bytes()
        p = subprocess.run(CLI + ["statements", str(wb), "--out", str(tmp_path / "o"), "--send", "--dry-run", "-q"],
                           capture_output=True, text=True, env=ENV)
        assert srv.inbox.messages == []
    assert p.returncode == 0, p.stderr
    assert wb.read_bytes() == before  # a dry run changes nothing in the workbook
    emls = sorted((tmp_path / "o" / "outbox").glob("*.eml"))
    assert [e.name for e in emls] == ["R1.eml"]
    msg = email.message_from_bytes(emls[0].read_bytes(), policy=email.policy.default)
    assert msg["To"] == "Rep Number1 <rep1@example.com>" and len(_attachments(msg)) == 1
    assert "1 message written" in p.stdout and "R1 Rep Number1 <rep1@example.com>" in p.stdout
    assert "1 rep without an e-mail address" in p.stdout and "R2" in p.stdout
    assert "payable" not in p.stdout  # no pay in terminal output without --amounts
    p2 = subprocess.run(CLI + ["statements", str(wb), "--out", str(tmp_path / "o"), "--send", "--dry-run", "-q",
                               "--amounts"], capture_output=True, text=True, env=ENV)
    assert "payable 2,500.00 USD" in p2.stdout  # 50,000 credit on a 100,000 quota at 5%


def test_send_options_without_send_are_a_usage_error(tmp_path):
    p = subprocess.run(CLI + ["statements", "x.xlsx", "--out", str(tmp_path), "--dry-run"], capture_output=True,
                       text=True, env=ENV)
    assert p.returncode == 2 and "go with --send" in p.stderr


def test_the_password_is_never_read_from_a_config_file(tmp_path):
    wb = _write(tmp_path / "c.xlsx", _reps(1), [])
    cfg = tmp_path / "smtp.toml"
    cfg.write_text('[smtp]\nhost = "127.0.0.1"\npassword = "hunter2"\n')
    with pytest.raises(InputError, match="password is not read from a file"):
        send_statements(wb, tmp_path / "out", config=cfg, dry_run=True)


def test_the_sample_workbook_dry_run_addresses_every_rep_but_one(tmp_path):
    import shutil

    wb = shutil.copy(ROOT / "workbooks" / "commissions.xlsx", tmp_path / "c.xlsx")
    rep = send_statements(wb, tmp_path / "o", dry_run=True)
    assert [o.rep_id for o in rep.no_address] == ["R045"]
    assert len(list((tmp_path / "o" / "outbox").glob("*.eml"))) == len(rep.planned) - 1

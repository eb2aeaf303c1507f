"""Statements to each rep by e-mail, with a Delivery Log that makes a rerun resume, never repeat.

This is the batch door (sockets and files): the engine never imports it, and xlwings Lite, which has
no network connections, cannot run it. The whole command is :func:`send_statements`; its pieces:

* :func:`delivery_settings` reads the SMTP server and the message template from the workbook's
  Settings table, overridden by a TOML file (``--smtp-config``); the password only ever comes from an
  environment variable (``SmtpPasswordEnv``, default ``SALESOPS_SMTP_PASSWORD``);
* :func:`recipients` gives each rep's address (Roster[Email], optional) and manager;
* :func:`plan_messages` builds one message per rep with only that rep's statement attached (and, when
  ``EmailManagerTeams`` is Yes, one message per manager with the statements of everyone below);
* :func:`deliver` sends them over one SMTP connection and records each message the server accepted,
  at once, in a journal beside the statements; :func:`log_sheet` turns the log into the workbook's
  *Delivery Log* sheet.

The rules are stated in docs/commissions.md (section "Statements by e-mail").
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import html
import json
import os
import re
import smtplib
import ssl
import string
import sys
import time
import tomllib
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path
from typing import Literal

import numpy as np

from ..commissions.schema import DELIVERY_SETTINGS
from ..errors import InputError, Problem, SalesopsError
from ..words import count

PLACEHOLDERS = {
    "rep_name": "the rep's name (Roster[RepName])",
    "first_name": "the first word of the rep's name",
    "rep_id": "the RepID",
    "period": "the statement period (the month of AsOfDate, else the plan year's last month), e.g. 2026-06",
    "payable": "the amount payable in that month, e.g. 12,345.67",
    "currency": "the rep's payout currency",
    "team_size": "(manager messages) the number of statements attached",
}

DEFAULT_SUBJECT = "Your commission statement for {period}"
DEFAULT_BODY = ("Hello {first_name},\n\n"
                "attached is your commission statement for {period}. Payable for {period}: {payable} {currency}.\n\n"
                "Every line of the statement says where its amount comes from. If something looks wrong, "
                "reply to this message.\n")
TEAM_SUBJECT = "Commission statements of your team for {period}"
TEAM_BODY = ("Hello {first_name},\n\n"
             "attached are the commission statements for {period} of the {team_size} people in your team.\n")
PASSWORD_ENV = "SALESOPS_SMTP_PASSWORD"

KIND_OWN = "Statement"
KIND_TEAM = "Team statements"
SENT, REFUSED, NO_ADDRESS = "Sent", "Refused", "No address"

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


class DeliveryError(SalesopsError):
    """Statements could not be (all) delivered: the message says what was and was not sent."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None = None
    port: int | None = None
    security: Literal["starttls", "ssl", "none"] = "starttls"
    user: str | None = None
    password_env: str = PASSWORD_ENV
    sender: str | None = None

    @property
    def port_or_default(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587, "none": 25}[self.security]


@dataclass(frozen=True)
class DeliverySettings:
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    subject: str = DEFAULT_SUBJECT
    body: str = DEFAULT_BODY
    manager_teams: bool = False


@dataclass(frozen=True)
class Recipient:
    rep_id: str
    name: str
    address: str | None
    manager_id: str | None
    currency: str
    payable_cents: int


@dataclass(frozen=True)
class Outgoing:
    """One message to send: who, what kind, and the statement files attached."""

    rep_id: str
    name: str
    address: str | None
    kind: str
    attachments: tuple[Path, ...]
    sha256: str  # of the attachments, in order (one file: that file's sha256)
    payable: str = ""  # "12,345.67 USD" (own statements), printed only with --amounts
    sender: str = ""
    subject: str = ""  # templates and their values: the message is composed when it is sent, one at a
    body: str = ""  # time, so memory does not grow with the number of reps
    values: tuple = ()

    def compose(self) -> EmailMessage:
        """The message, with a new Message-ID, its attachments read now."""
        assert self.address is not None
        return _message(self.sender, formataddr((self.name, self.address)), self.subject, self.body,
                        dict(self.values), self.attachments)


@dataclass
class DeliveryLog:
    """Rows of the Delivery Log: (Period, RepID, Kind) -> the rows for it, newest last."""

    rows: list[dict] = field(default_factory=list)

    COLUMNS = ("Period", "RepID", "RepName", "Kind", "Address", "Time", "MessageID", "Attachments",
               "AttachmentSHA256", "Status", "Detail")

    def delivered(self, period: str, rep: str, kind: str) -> bool:
        return any(r["Period"] == period and r["RepID"] == rep and r["Kind"] == kind and r["Status"] == SENT
                   for r in self.rows)

    def record(self, row: dict) -> None:
        """Add an outcome; an earlier unsent outcome of the same message is replaced (sent ones stay: history)."""
        key = (row["Period"], row["RepID"], row["Kind"])
        self.rows = [r for r in self.rows if not ((r["Period"], r["RepID"], r["Kind"]) == key and r["Status"] != SENT)]
        self.rows.append(row)

    def merge_sent(self, rows) -> None:
        """Add sent rows (from the journal) not already here, by message id."""
        ids = {r["MessageID"] for r in self.rows if r.get("MessageID")}
        for r in rows:
            if r.get("Status") == SENT and r.get("MessageID") not in ids:
                self.record(r)
                ids.add(r["MessageID"])


@dataclass
class DeliveryReport:
    period: str
    planned: list[Outgoing]
    sent: list[Outgoing] = field(default_factory=list)
    skipped_delivered: list[Outgoing] = field(default_factory=list)
    no_address: list[Outgoing] = field(default_factory=list)
    refused: list[tuple[Outgoing, str]] = field(default_factory=list)
    outbox: Path | None = None  # dry run: where the .eml files are
    seconds: dict[str, float] = field(default_factory=dict)  # "statements": writing them, "delivery": sending


plural = count  # "1 message", "2 messages": the one counted-noun helper (salesops_xl.words)


# -- settings -----------------------------------------------------------------------------------

def _settings_rows(inputs) -> dict[str, tuple[object, int]]:
    f = inputs.frame("Settings")
    lookup = {k.lower(): k for k in DELIVERY_SETTINGS}  # the Settings rows the delivery reads
    out = {}
    for i, (name, value) in enumerate(zip(f["Setting"], f["Value"])):
        key = lookup.get(str(name).strip().lower()) if name is not None else None
        if key is not None and value is not None and str(value).strip() != "":
            out[key] = (value, i)
    return out


def _check_template(text: str, allowed, where: Callable[[str], Problem]) -> list[Problem]:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as e:
        return [where(f"the template is not valid ({e}); write placeholders as {{period}} and a brace as {{{{")]
    bad = [f for f in fields if f not in allowed]
    return [where(f"unknown placeholder {{{f}}}") for f in dict.fromkeys(bad)]


_SECURITY: dict[str, Literal["starttls", "ssl", "none"]] = {"starttls": "starttls", "ssl": "ssl", "none": "none"}


def _row_problem(tbl, i: int, value: object) -> Callable[[str, str], Problem]:
    """A problem with the Settings row ``i`` holding ``value``: (message, expected) -> Problem."""
    def where(msg: str, exp: str) -> Problem:
        return tbl.problem(i, "Value", msg, value=value, expected=exp)
    return where


def _file_problem(key: str, value: object) -> Callable[[str, str], Problem]:
    """A problem with the config file's ``key`` ("smtp.toml [smtp] host") holding ``value``."""
    def where(msg: str, exp: str) -> Problem:
        return Problem(f"{key}: {msg}", value=value, expected=exp)
    return where


def _expecting(where: Callable[[str, str], Problem], expected: str) -> Callable[[str], Problem]:
    """``where`` with its expected text given: message -> Problem."""
    def problem(msg: str) -> Problem:
        return where(msg, expected)
    return problem


def delivery_settings(inputs, config: str | Path | None = None) -> DeliverySettings:
    """SMTP server and message templates: the Settings table's rows, each overridden by ``config`` (TOML).

    ``config`` has a ``[smtp]`` table (host, port, security, user, password_env, sender) and a ``[message]``
    table (subject, body, manager_teams). Raises :class:`InputError` naming the Settings row or the file's key.
    """
    rows = _settings_rows(inputs)
    tbl = inputs.tables["Settings"]
    problems: list[Problem] = []
    values: dict[str, tuple[object, Callable[[str, str], Problem]]] = {}
    for key, (value, i) in rows.items():
        values[key] = (value, _row_problem(tbl, i, value))
    if config is not None:
        cpath = Path(config)
        try:
            data = tomllib.loads(cpath.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError([Problem(f"SMTP config file {cpath} does not exist", expected="a TOML file")]) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise InputError([Problem(f"{cpath.name} is not valid TOML: {e}", expected="a TOML file")]) from None
        names = {("smtp", "host"): "SmtpHost", ("smtp", "port"): "SmtpPort", ("smtp", "security"): "SmtpSecurity",
                 ("smtp", "user"): "SmtpUser", ("smtp", "password_env"): "SmtpPasswordEnv",
                 ("smtp", "sender"): "EmailFrom", ("message", "subject"): "EmailSubject",
                 ("message", "body"): "EmailBody", ("message", "manager_teams"): "EmailManagerTeams"}
        for section, table in data.items():
            if not isinstance(table, dict):
                problems.append(Problem(f"{cpath.name}: {section} is not a table", expected="[smtp] and [message]"))
                continue
            for k, v in table.items():
                if (section, k) == ("smtp", "password"):
                    problems.append(Problem(f"{cpath.name}: [smtp] password is not read from a file", value=None,
                                            show_value=False,
                                            expected="the password in an environment variable named by "
                                                     "[smtp] password_env (default SALESOPS_SMTP_PASSWORD)"))
                    continue
                name = names.get((section, k))
                if name is None:
                    problems.append(Problem(f"{cpath.name}: unknown key [{section}] {k}",
                                            expected=", ".join(f"[{s}] {n}" for s, n in names)))
                    continue
                values[name] = (v, _file_problem(f"{cpath.name} [{section}] {k}", v))

    def get(name):
        return values.get(name, (None, None))

    smtp = SmtpSettings()
    v, where = get("SmtpHost")
    if v is not None:
        smtp = replace(smtp, host=str(v).strip())
    v, where = get("SmtpSecurity")
    if v is not None:
        sec = _SECURITY.get(str(v).strip().lower())
        if sec is None:
            problems.append(where("unknown security", "STARTTLS, SSL or None"))
        else:
            smtp = replace(smtp, security=sec)
    v, where = get("SmtpPort")
    if v is not None:
        try:
            port = int(float(str(v).strip()))
            if not 0 < port < 65536 or float(str(v).strip()) != port:
                raise ValueError
            smtp = replace(smtp, port=port)
        except ValueError:
            problems.append(where("not a port number", "a whole number from 1 to 65535, e.g. 587"))
    v, where = get("SmtpUser")
    if v is not None:
        smtp = replace(smtp, user=str(v).strip())
    v, where = get("SmtpPasswordEnv")
    if v is not None:
        smtp = replace(smtp, password_env=str(v).strip())
    v, where = get("EmailFrom")
    if v is not None:
        addr = parseaddr(str(v))[1]
        if not _EMAIL.match(addr or ""):
            problems.append(where("not an e-mail address", "an address such as Sales Ops <sales-ops@example.com>"))
        else:
            smtp = replace(smtp, sender=str(v).strip())
    settings = DeliverySettings(smtp=smtp)
    allowed_own = set(PLACEHOLDERS) - {"team_size"}
    expected = "placeholders among " + ", ".join("{" + p + "}" for p in sorted(allowed_own))
    for name in ("EmailSubject", "EmailBody"):
        v, where = get(name)
        if v is not None:
            text = str(v).replace("\r\n", "\n")
            problems += _check_template(text, allowed_own, _expecting(where, expected))
            if name == "EmailSubject":
                settings = replace(settings, subject=text)
            else:
                settings = replace(settings, body=text)
    v, where = get("EmailManagerTeams")
    if v is not None:
        yes = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}.get(str(v).strip().lower())
        if yes is None:
            problems.append(where("not Yes or No", "Yes or No"))
        else:
            settings = replace(settings, manager_teams=yes)
    if problems:
        raise InputError(problems)
    return settings


# -- who gets what --------------------------------------------------------------------------------

def statement_period(result) -> str:
    """The period a statement is sent for: the month of AsOfDate, else the plan year's last month."""
    run = result.run
    if run.as_of is not None:
        return f"{run.as_of.year:04d}-{run.as_of.month:02d}"
    start = run.plan_year_start
    m = start.month - 1 + 11
    return f"{start.year + m // 12:04d}-{m % 12 + 1:02d}"


def recipients(inputs, result, reps: list[str]) -> list[Recipient]:
    """Each rep's address (the last non-blank Roster[Email] of the rep's rows, latest EffectiveFrom last).

    An address that is not an e-mail address is an :class:`InputError` naming its Roster cell; nothing
    is sent for a workbook with such an error.
    """
    tbl = inputs.tables["Roster"]
    f = tbl.frame
    problems = []
    address: dict[str, str] = {}
    emails = f["Email"].to_numpy() if "Email" in f else np.full(len(f), None, dtype=object)
    eff = f["EffectiveFrom"].to_numpy() if "EffectiveFrom" in f else np.full(len(f), None, dtype=object)
    order = sorted(range(len(f)), key=lambda i: (str(f["RepID"].iloc[i]), 0 if eff[i] is None or eff[i] != eff[i]
                                                 else 1, str(eff[i]), i))
    for i in order:
        e = emails[i]
        if e is None or (isinstance(e, float) and e != e) or str(e).strip() == "":
            continue
        text = str(e).strip()
        if not _EMAIL.match(text):
            problems.append(tbl.problem(i, "Email", "not an e-mail address", value=e,
                                        expected="an address such as ada@example.com, or blank"))
            continue
        address[str(f["RepID"].iloc[i])] = text
    if problems:
        raise InputError(problems)
    period = statement_period(result)
    s = result.summary
    out = []
    for rep in reps:
        rows = s[s["RepID"] == rep]
        if not len(rows):
            continue
        payable = int(rows.loc[rows["PayMonth"] == period, "Total"].sum())
        mgr = rows["ManagerID"].iloc[-1]
        out.append(Recipient(rep_id=rep, name=str(rows["RepName"].iloc[-1]), address=address.get(rep),
                             manager_id=None if mgr is None or mgr != mgr else str(mgr),
                             currency=str(rows["Currency"].iloc[0]), payable_cents=payable))
    return out


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    c = abs(int(cents))
    return f"{sign}{c // 100:,}.{c % 100:02d}"


def _sha256(paths) -> str:
    """One file: its sha256. Several (a team message): the sha256 of their sha256 digests, in order."""
    digests = [hashlib.sha256(Path(p).read_bytes()) for p in paths]
    if len(digests) == 1:
        return digests[0].hexdigest()
    return hashlib.sha256(b"".join(d.digest() for d in digests)).hexdigest()


def _html(template: str, values: dict) -> str:
    esc = {k: html.escape(str(v)) for k, v in values.items()}
    body = template.format_map(esc)
    paras = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in body.split("\n\n") if p.strip())
    return f"<!DOCTYPE html><html><body style=\"font-family:Calibri,Arial,sans-serif\">{paras}</body></html>"


def _message(sender: str, to: str, subject: str, body: str, values: dict, attachments) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject.format_map(values).replace("\n", " ").strip()
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(body.format_map(values))
    msg.add_alternative(_html(body, values), subtype="html")
    for p in attachments:
        p = Path(p)
        sub = "pdf" if p.suffix.lower() == ".pdf" else "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        msg.add_attachment(p.read_bytes(), maintype="application", subtype=sub, filename=p.name)
    return msg


def plan_messages(people: list[Recipient], files: dict[str, Path], settings: DeliverySettings,
                  period: str) -> list[Outgoing]:
    """One message per rep with only ``files[rep]`` attached; plus team messages to managers if set."""
    sender = settings.smtp.sender or "salesops-xl <salesops-xl@localhost>"
    out = []
    for r in people:
        f = files[r.rep_id]
        values = dict(rep_name=r.name, first_name=r.name.split()[0] if r.name.split() else r.name, rep_id=r.rep_id,
                      period=period, payable=_money(r.payable_cents), currency=r.currency, team_size=1)
        out.append(Outgoing(r.rep_id, r.name, r.address, KIND_OWN, (f,), _sha256([f]),
                            f"{values['payable']} {r.currency}", sender, settings.subject, settings.body,
                            tuple(values.items())))
    if settings.manager_teams:
        by_id = {r.rep_id: r for r in people}
        below: dict[str, list[str]] = {}
        for r in people:  # everyone under each manager, at any depth (a cycle cannot occur: the engine refuses it)
            m, seen = r.manager_id, set()
            while m is not None and m not in seen:
                seen.add(m)
                below.setdefault(m, []).append(r.rep_id)
                m = by_id[m].manager_id if m in by_id else None
        for mgr, team in below.items():
            if mgr not in by_id:
                continue
            r = by_id[mgr]
            team_files = [files[t] for t in sorted(team)]
            values = dict(rep_name=r.name, first_name=r.name.split()[0] if r.name.split() else r.name,
                          rep_id=r.rep_id, period=period, payable="", currency=r.currency, team_size=len(team))
            out.append(Outgoing(r.rep_id, r.name, r.address, KIND_TEAM, tuple(team_files), _sha256(team_files), "",
                                sender, TEAM_SUBJECT, TEAM_BODY, tuple(values.items())))
    return out


# -- sending --------------------------------------------------------------------------------------

def _row(o: Outgoing, period: str, status: str, detail: str = "", when: str | None = None,
         message_id: str = "") -> dict:
    return {"Period": period, "RepID": o.rep_id, "RepName": o.name, "Kind": o.kind, "Address": o.address or "",
            "Time": when or "", "MessageID": message_id,
            "Attachments": ", ".join(p.name for p in o.attachments), "AttachmentSHA256": o.sha256,
            "Status": status, "Detail": detail}


def read_journal(path: Path) -> list[dict]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut by a crash: the message before it is recorded, this one not
            continue
    return rows


def _append_journal(path: Path, row: dict) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _connect(smtp: SmtpSettings, timeout: float) -> smtplib.SMTP:
    if sys.platform == "emscripten":
        raise DeliveryError("Statements are e-mailed from the command line or desktop Excel: xlwings Lite has no "
                            "network connections")
    if not smtp.host:
        raise DeliveryError("No SMTP server is set: add a Settings row SmtpHost (and EmailFrom), or pass "
                            "--smtp-config FILE; nothing was sent")
    password = None
    if smtp.user:
        password = os.environ.get(smtp.password_env)
        if password is None:
            raise DeliveryError(f"SmtpUser is {smtp.user!r} but the environment variable {smtp.password_env} "
                                f"holding its password is not set; nothing was sent")
    where = f"{smtp.host}:{smtp.port_or_default}"
    conn: smtplib.SMTP
    try:
        if smtp.security == "ssl":
            conn = smtplib.SMTP_SSL(smtp.host, smtp.port_or_default, timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(smtp.host, smtp.port_or_default, timeout=timeout)
            if smtp.security == "starttls":
                conn.starttls(context=ssl.create_default_context())
        if smtp.user and password is not None:  # (password is set whenever user is: checked above)
            conn.login(smtp.user, password)
    except smtplib.SMTPAuthenticationError as e:
        raise DeliveryError(f"The SMTP server {where} refused the login of {smtp.user!r} ({e.smtp_code}): check "
                            f"SmtpUser and the password in {smtp.password_env}; nothing was sent") from None
    except smtplib.SMTPNotSupportedError as e:
        raise DeliveryError(f"The SMTP server {where} does not support {smtp.security.upper()} or login ({e}): "
                            f"check SmtpSecurity and SmtpPort; nothing was sent") from None
    except (OSError, smtplib.SMTPException) as e:
        raise DeliveryError(f"Cannot reach the SMTP server {where}: {e}; check SmtpHost, SmtpPort and "
                            f"SmtpSecurity; nothing was sent") from None
    return conn


def deliver(outgoing: list[Outgoing], settings: DeliverySettings, log: DeliveryLog, period: str, *,
            journal: Path, resend: AbstractSet[str] = frozenset(), progress=None, timeout: float = 60.0,
            now: Callable[[], str] | None = None) -> DeliveryReport:
    """Send every message not yet delivered for ``period`` (all of ``resend``'s reps again) over one connection.

    Each message the server accepts is recorded at once in ``journal`` and in ``log`` (status Sent); a
    recipient the server refuses is recorded as Refused and the others go on; a rep without an address
    as No address. A lost connection stops the run: what was accepted is recorded, and
    :class:`DeliveryError` says how many are left for a rerun, which sends only those.
    """
    now = now or (lambda: _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat())
    say = progress or (lambda done, total, who: None)
    rep = DeliveryReport(period=period, planned=outgoing)
    todo: list[tuple[Outgoing, str]] = []  # each message to send, and its address
    for o in outgoing:
        if o.address is None:
            rep.no_address.append(o)
            log.record(_row(o, period, NO_ADDRESS, "Roster[Email] is blank"))
        elif log.delivered(period, o.rep_id, o.kind) and o.rep_id not in resend:
            rep.skipped_delivered.append(o)
        else:
            todo.append((o, o.address))
    if not todo:
        return rep
    conn = _connect(settings.smtp, timeout)
    envelope_from = parseaddr(settings.smtp.sender or "")[1] or "salesops-xl@localhost"
    try:
        for k, (o, address) in enumerate(todo):
            msg = o.compose()
            try:
                refused = conn.send_message(msg, from_addr=envelope_from, to_addrs=[address])
            except smtplib.SMTPRecipientsRefused as e:
                code, text = next(iter(e.recipients.values()))
                detail = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
                rep.refused.append((o, detail))
                log.record(_row(o, period, REFUSED, detail, now()))
                conn.rset()
                say(k + 1, len(todo), o.rep_id)
                continue
            except smtplib.SMTPDataError as e:
                error = e.smtp_error
                detail = f"{e.smtp_code} {error.decode(errors='replace') if isinstance(error, bytes) else error}"
                rep.refused.append((o, detail))
                log.record(_row(o, period, REFUSED, detail, now()))
                say(k + 1, len(todo), o.rep_id)
                continue
            if refused:
                detail = "; ".join(f"{a}: {c}" for a, (c, _) in refused.items())
                rep.refused.append((o, detail))
                log.record(_row(o, period, REFUSED, detail, now()))
            else:
                row = _row(o, period, SENT, "", now(), str(msg["Message-ID"]))
                _append_journal(journal, row)
                log.record(row)
                rep.sent.append(o)
            say(k + 1, len(todo), o.rep_id)
    except (smtplib.SMTPServerDisconnected, OSError, smtplib.SMTPException) as e:
        left = len(todo) - len(rep.sent) - len(rep.refused)
        raise _Interrupted(rep, f"The connection to the SMTP server was lost ({e or type(e).__name__}) after "
                                f"{plural(len(rep.sent), 'message')} of {len(todo)} were delivered; "
                                f"{plural(left, 'message')} {'was' if left == 1 else 'were'} not sent. The Delivery "
                                f"Log records what was delivered: run the same command again to send the rest "
                                f"(nobody gets a message twice).") from None
    finally:
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()
    return rep


class _Interrupted(DeliveryError):
    def __init__(self, report: DeliveryReport, message: str):
        super().__init__(message)
        self.report = report


def write_outbox(outgoing: list[Outgoing], folder: Path) -> Path:
    """Dry run: each message as an .eml file in ``folder`` (created), named after the rep and kind."""
    folder.mkdir(parents=True, exist_ok=True)
    for o in outgoing:
        if o.address is None:
            continue
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", o.rep_id) + ("_team" if o.kind == KIND_TEAM else "")
        (folder / f"{stem}.eml").write_bytes(bytes(o.compose()))
    return folder


# -- the Delivery Log sheet ------------------------------------------------------------------------

LOG_SHEET = "Delivery Log"
LOG_TABLE = "DeliveryLog"


def read_log(source) -> DeliveryLog:
    raw = source.read(LOG_TABLE)
    log = DeliveryLog()
    if raw is None:
        return log
    cols = [c for c in DeliveryLog.COLUMNS if c in raw.columns]
    n = len(raw.data[cols[0]]) if cols else 0
    for i in range(n):
        row = {c: ("" if c not in raw.columns or raw.data[c][i] is None else str(raw.data[c][i]))
               for c in DeliveryLog.COLUMNS}
        if row["RepID"]:
            log.rows.append(row)
    return log


def log_sheet(log: DeliveryLog):
    from ..sheets import Column, SheetSpec, TableBlock

    widths = {"Period": 9, "RepID": 9, "RepName": 22, "Kind": 15, "Address": 30, "Time": 24, "MessageID": 44,
              "Attachments": 30, "AttachmentSHA256": 20, "Status": 11, "Detail": 40}
    cols = tuple(Column(c, "text", width=widths[c]) for c in DeliveryLog.COLUMNS)
    data = {c: np.array([r.get(c, "") for r in log.rows], dtype=object) for c in DeliveryLog.COLUMNS}
    return SheetSpec(name=LOG_SHEET, tables=(TableBlock(LOG_TABLE, cols, data, "A1"),), freeze="C2",
                     print_landscape=True, print_fit_width=True)


# -- the whole command -----------------------------------------------------------------------------

def statement_files(reps: list[str], folder: Path, pdf: bool) -> dict[str, Path]:
    """Where ``write_statements`` puts each rep's statement; two reps whose ids map to one file name are an error."""
    from ..commissions.statements import statement_file_stem

    files: dict[str, Path] = {}
    seen: dict[str, str] = {}
    for rep in reps:
        stem = statement_file_stem(rep)
        if stem in seen:
            raise DeliveryError(f"RepIDs {seen[stem]!r} and {rep!r} give the same statement file name ({stem}); "
                                f"rename one so no rep can be sent another's statement; nothing was sent")
        seen[stem] = rep
        files[rep] = folder / (stem + (".pdf" if pdf else ".xlsx"))
    return files


def send_statements(workbook: str | Path, out: str | Path, *, reps: list[str] | None = None, pdf: bool = False,
                    dry_run: bool = False, resend: list[str] | None = None, config: str | Path | None = None,
                    jobs: int = 1, progress=None, timeout: float = 60.0) -> DeliveryReport:
    """``salesops-xl statements WORKBOOK --out DIR [--pdf] --send``: write and e-mail each rep's statement.

    Inputs, settings, addresses and templates are all checked before anything is written or sent. A dry
    run writes each message as an .eml file into ``DIR/outbox`` and sends nothing. Otherwise each message
    the server accepts is recorded at once in ``DIR/delivery-journal.jsonl`` and, at the end (also when
    the connection is lost), in the workbook's Delivery Log sheet, which is the only part of the workbook
    this writes. A rerun for the same period sends only what is not yet delivered; ``resend`` names reps
    to send again.
    """
    from ..commissions.engine import compute
    from ..commissions.inputs import load_inputs
    from ..workflows import WorkflowResult
    from . import open_source, run_workflow
    from .statements import write_statements

    out = Path(out)
    say = progress or (lambda stage: None)
    with open_source(workbook) as src:
        inputs = load_inputs(src)
        log = read_log(src)
    settings = delivery_settings(inputs, config)
    result = compute(inputs)
    all_reps = [str(r) for r in dict.fromkeys(result.summary["RepID"])]
    wanted = all_reps if not reps else [r for r in all_reps if r in set(reps)]
    unknown = sorted(set(reps or ()) - set(all_reps)) + sorted(set(resend or ()) - set(all_reps))
    if unknown:
        raise DeliveryError(f"unknown rep{'s' if len(unknown) > 1 else ''} {', '.join(dict.fromkeys(unknown))}: "
                            f"not in the Roster with a statement; nothing was written or sent")
    people = recipients(inputs, result, wanted)
    if settings.manager_teams:  # a manager's team message needs the team's statements, and the manager's address
        people_ids = {p.rep_id for p in people}
        extra = [r for r in all_reps if r not in people_ids and any(p.manager_id == r for p in people)]
        people += recipients(inputs, result, extra)
    period = statement_period(result)
    files = statement_files([p.rep_id for p in people], out, pdf)
    if not dry_run:
        _connect(settings.smtp, timeout).quit()  # reach and log in before writing anything: fail early
    say(f"writing {plural(len(people), 'statement')}")
    t0 = time.perf_counter()
    write_statements(result, out, reps=[p.rep_id for p in people], jobs=jobs, pdf=pdf)
    t1 = time.perf_counter()
    outgoing = plan_messages(people, files, settings, period)
    if dry_run:
        rep = DeliveryReport(period=period, planned=outgoing)
        rep.no_address = [o for o in outgoing if o.address is None]
        rep.skipped_delivered = [o for o in outgoing if o.address is not None and
                                 log.delivered(period, o.rep_id, o.kind) and o.rep_id not in set(resend or ())]
        rep.outbox = write_outbox([o for o in outgoing if o not in rep.skipped_delivered], out / "outbox")
        rep.seconds = {"statements": t1 - t0, "delivery": time.perf_counter() - t1}
        return rep
    journal = out / "delivery-journal.jsonl"
    log.merge_sent(read_journal(journal))

    def counter(done, total, who):
        say(f"sent {done}/{total} ({who})")

    def write_log():
        run_workflow(workbook, None, workflow=lambda source, **kw: WorkflowResult(
            sheets=[log_sheet(log)], summary={}, warnings=[]))

    try:
        report = deliver(outgoing, settings, log, period, journal=journal, resend=set(resend or ()),
                         progress=counter, timeout=timeout)
    except _Interrupted:
        write_log()
        raise
    write_log()
    report.seconds = {"statements": t1 - t0, "delivery": time.perf_counter() - t1}
    return report

"""Lead allocation: a rule chain with capacities, availability, languages, skills, and a weighted
round-robin that stays fair across runs.

The chain (docs/territories.md, "Lead routing", states it with examples)::

    1 account owner -> 2 named account -> 3 territory / segment rep -> 4 round-robin pool -> 5 fallback queue

A rule *fires* when it names a rep who is **eligible** for the lead: active,
not out of office on the lead's CreatedDate, below the rep's DailyCapacity
for that day, handling the lead's Language and all of its Skills. Otherwise
the chain goes on (and the lead's Detail says why the earlier rule did not fire).

Round-robin is stride scheduling: in each pool, rep ``r`` with weight ``w``
has a *due time* ``P``; its k-th next lead is due at ``P + k / w``; a lead goes
to the eligible rep whose next lead is due first (ties: the rep listed first in
LeadReps). A rep new to a pool starts at ``1 / (2 w)``. The pool's clock ``V``
is the due time of its last lead; a rep's due time is raised to ``V`` when it
takes part again (no credit builds up while a rep is away, full or
unqualified). The state (due times relative to the clock, lead counts) is
written to the RoundRobinState table and read back by the next run.

Everything is vectorised over leads; the only Python loops run over rule
stages and round-robin *batches* (one per day, pool and requirement class).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import Problem, ProblemCollector
from ..tables import Table, fingerprint, read_table
from . import schema as S
from .inputs import norm_key, read_settings, word_set

RULE_OWNER, RULE_NAMED, RULE_TERRITORY, RULE_SEGMENT, RULE_RR, RULE_FALLBACK, RULE_ASSIGNED = (
    "Account owner", "Named account", "Territory", "Segment", "Round-robin", "Fallback queue", "Assigned")
RULES = (RULE_OWNER, RULE_NAMED, RULE_TERRITORY, RULE_SEGMENT, RULE_RR, RULE_FALLBACK, RULE_ASSIGNED)

#: LeadAssignments[Origin]: routed by the rule chain (this run or an earlier one), routed again on request,
#: or taken from Leads[Assigned].
ORIGIN_ROUTED, ORIGIN_REROUTED, ORIGIN_ASSIGNED = "Routed", "Rerouted", "Assigned"
_KEPT_COLUMNS = ("AssignedTo", "RepName", "Rule", "Pool", "Detail", "Origin")

#: A blank (None) as an object array, for np.where (numpy's typed signature takes no bare None).
_BLANK = np.array(None, dtype=object)

#: What a blank Territory/Segment of a lead is matched as: nothing a (trimmed, lower-cased) rule field can hold.
_NO_VALUE = "\x00(blank)"

#: Due times equal to this many decimals are ties (broken by the reps' order in LeadReps).
TIE_DECIMALS = 9


@dataclass(frozen=True)
class LeadSettings:
    fallback_queue: str
    default_pool: int  # pool index or -1
    reset_state: bool
    keep_assignments: bool = True


@dataclass
class KeptLeads:
    """Leads not routed this run: kept from the previous LeadAssignments or given in Leads[Assigned]."""

    todo: np.ndarray  # (n,) bool: routed this run
    rep: np.ndarray  # (n,) rep index a kept lead holds (-1: the queue, someone not in LeadReps, or routed)
    rows: dict[str, np.ndarray]  # the kept rows' LeadAssignments columns (None where routed)
    origin: np.ndarray  # (n,) Origin of the lead's row
    rerouted_from: np.ndarray  # (n,) previous AssignedTo of a lead routed again on request, else None
    released: list[tuple[str, str]]  # (pool, rep) of round-robin leads routed again: their count is given back

    @staticmethod
    def none(n: int) -> KeptLeads:
        return KeptLeads(todo=np.ones(n, bool), rep=np.full(n, -1, np.intp),
                         rows={c: np.full(n, None, dtype=object) for c in _KEPT_COLUMNS},
                         origin=np.full(n, ORIGIN_ROUTED, dtype=object), rerouted_from=np.full(n, None, dtype=object),
                         released=[])


@dataclass
class LeadInputs:
    """Validated inputs of one lead run, in index form."""

    workbook: str
    settings: LeadSettings
    leads: pd.DataFrame  # the Leads table as typed
    reps: pd.DataFrame  # the LeadReps table as typed
    day: np.ndarray  # (n,) datetime64[D] CreatedDate
    owner: np.ndarray  # (n,) rep index of the lead's account owner or -1
    named: np.ndarray  # (n,) rep index of the named-account rep or -1
    rule_rep: np.ndarray  # (n,) rep of the matching routing rule or -1
    rule_kind: np.ndarray  # (n,) 0 none, 1 territory, 2 segment (what the matching rule matched on)
    pool: np.ndarray  # (n,) round-robin pool index or -1
    language: np.ndarray  # (n,) language code or -1 (none needed)
    skillset: np.ndarray  # (n,) skill-set code (0: none needed)
    pool_names: list[str]
    member: np.ndarray  # (P, R) bool: rep is in the pool
    weight: np.ndarray  # (R,)
    capacity: np.ndarray  # (R,) float, inf = no limit
    active: np.ndarray  # (R,) bool
    speaks: np.ndarray  # (R, L) bool
    has_skills: np.ndarray  # (R, K) bool: rep has every skill of skill set k
    ooo: tuple[np.ndarray, np.ndarray, np.ndarray]  # rep index, first day, last day
    language_names: list[str]
    skillset_names: list[str]
    start_leads: np.ndarray  # (P, R) round-robin leads before this run
    start_due: np.ndarray  # (P, R) due time relative to the pool clock; NaN = new
    state_source: str  # what the start state is
    fingerprint: str
    warnings: list[str] = field(default_factory=list)
    rule_row: np.ndarray | None = None  # (n,) Excel row of the RoutingRules row matching the lead, or -1
    kept: KeptLeads | None = None  # leads not routed this run (None: every lead is routed)
    # a run that routes no lead writes the state as it was: its start columns (StartLeads, StartDue) and end
    # columns (Leads, Due) as read, mapped to this run's pools and reps
    unchanged_state: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def n_leads(self) -> int:
        return len(self.leads)

    @property
    def rep_ids(self) -> np.ndarray:
        return self.reps["RepID"].to_numpy(object)


def present(source) -> bool:
    """Does the workbook hold the lead-routing half?"""
    return source.read(S.LEADS.name) is not None or source.read(S.LEAD_REPS.name) is not None


# -- reading -------------------------------------------------------------------------------------------

_SCHEME = re.compile(r"^[a-z]+://")


def _one_domain(text: str) -> str | None:
    t = text.split("@")[-1]
    t = _SCHEME.sub("", t).split("/")[0]
    if t.startswith("www."):
        t = t[4:]
    t = t.strip(". ")
    return t or None


def normalise_domain(values) -> np.ndarray:
    """'https://www.Acme.com/about' -> 'acme.com'; 'jo@acme.com' -> 'acme.com' (each distinct value once)."""
    keys = norm_key(values)
    codes, uniq = pd.factorize(keys, use_na_sentinel=True)
    conv = np.empty(len(uniq) + 1, dtype=object)
    conv[:len(uniq)] = [_one_domain(u) for u in uniq]
    conv[-1] = None
    return conv[codes]


def _explode(frame_keys: np.ndarray, lists) -> pd.DataFrame:
    """(owner index, word) pairs of comma lists (trimmed, lower-case)."""
    s = pd.Series(lists, dtype=object)
    s = s.where(s.notna(), "")
    words = s.astype(str).str.split(r"[,;]").explode()
    words = words.str.strip().str.lower()
    df = pd.DataFrame({"owner": np.asarray(frame_keys)[words.index.to_numpy()], "word": words.to_numpy()})
    return df[df["word"] != ""].drop_duplicates()


def load_leads(source, problems: ProblemCollector, *, previous_lead_ids=None, reroute=()) -> LeadInputs | None:
    """Read and cross-check the lead tables.

    The previous run's ``LeadAssignments`` (read from ``source``) says which leads already have a rep: with
    KeepAssignments Yes they keep it, unless marked Reroute (``Leads[Reroute]``, or their LeadID in ``reroute``).
    ``previous_lead_ids`` (KeepAssignments No, or tests): the LeadIDs the last run routed, when ``source`` has no
    LeadAssignments table.
    """
    tables: dict[str, Table] = {}
    for sch in S.LEAD_TABLES:
        raw = source.read(sch.name)
        if sch.name in (S.LEADS.name, S.LEAD_REPS.name) and raw is None:
            problems.add(Problem(message=f"the workbook has no Excel Table named {sch.name}",
                                 expected=f"a table named {sch.name} (on sheet {sch.sheet!r} in the template) to route "
                                          "leads; `salesops-xl schema` lists its columns",
                                 show_value=False, table=sch.name, workbook=source.workbook))
            continue
        t = read_table(raw, sch, problems)
        if t is not None:
            tables[sch.name] = t
    leads_t, reps_t = tables.get(S.LEADS.name), tables.get(S.LEAD_REPS.name)
    if leads_t is None or reps_t is None:
        return None
    leads = leads_t.frame.copy()
    for col in ("Company", "AccountID", "Domain", "Territory", "Segment", "Language", "Skills", "Assigned",
                "Reroute"):
        if col not in leads:
            leads[col] = None
    reps = reps_t.frame.copy()
    n, R = len(leads), len(reps)
    rep_ids = reps["RepID"].to_numpy(object)
    rep_lookup = pd.Series(np.arange(R), index=pd.Index(rep_ids))
    rep_lookup = rep_lookup[~rep_lookup.index.duplicated(keep="first")]

    def rep_index(tbl: Table, column: str, blank_ok: bool) -> np.ndarray:
        vals = tbl.frame[column]
        idx = vals.map(rep_lookup).fillna(-1).to_numpy(np.intp)
        for i in np.flatnonzero((idx < 0) & vals.notna().to_numpy()):
            problems.add(tbl.problem(int(i), column, "unknown rep", value=vals.iloc[i],
                                     expected="a RepID listed in LeadReps" + (", or blank" if blank_ok else "")))
        return idx

    # pools: names case-insensitive, shown as first spelled in LeadReps
    pairs = _explode(np.arange(R), reps["Pools"].to_numpy(object))
    spelled = pd.Series(reps["Pools"].to_numpy(object), dtype=object)
    spelled = spelled.where(spelled.notna(), "").astype(str).str.split(r"[,;]").explode().str.strip()
    spelled = spelled[spelled != ""]
    first = pd.DataFrame({"key": spelled.str.lower().to_numpy(), "name": spelled.to_numpy()}).drop_duplicates("key")
    pool_keys = first["key"].tolist()
    pool_names = first["name"].tolist()
    pool_of = {k: i for i, k in enumerate(pool_keys)}
    P = len(pool_keys)
    member = np.zeros((P, R), dtype=bool)
    if len(pairs):
        member[pairs["word"].map(pool_of).to_numpy(np.intp), pairs["owner"].to_numpy(np.intp)] = True

    settings = _settings(tables.get(S.LEAD_SETTINGS.name), pool_of, problems)
    weight = reps["Weight"].to_numpy(np.float64)
    capacity = np.where(np.isnan(reps["DailyCapacity"].to_numpy(np.float64)), np.inf,
                        reps["DailyCapacity"].to_numpy(np.float64))
    active = reps["Active"].to_numpy(object) != "No"

    # languages and skills
    lang = norm_key(leads["Language"].to_numpy(object))
    lang_codes, lang_names = pd.factorize(pd.Series(lang, dtype=object))
    language = lang_codes.astype(np.intp)
    rep_lang = _explode(np.arange(R), reps["Languages"].to_numpy(object))
    L = len(lang_names)
    speaks = np.zeros((R, max(L, 1)), dtype=bool)
    if L and len(rep_lang):
        code = pd.Index(lang_names).get_indexer(rep_lang["word"])
        ok = code >= 0
        speaks[rep_lang["owner"].to_numpy()[ok], code[ok]] = True
    # a lead's skill set as a canonical text ("" = none), computed once per distinct Skills text
    raw_codes, raw_uniq = pd.factorize(leads["Skills"].to_numpy(object), use_na_sentinel=True)
    canon = [",".join(sorted(word_set(u))) for u in raw_uniq] + [""]
    set_text = np.asarray(canon, dtype=object)[raw_codes]
    set_codes, set_names = pd.factorize(set_text)
    set_names = list(set_names)
    if "" not in set_names:
        set_names = [""] + set_names
        set_codes = set_codes + 1
    else:  # code 0 is the empty set
        z = set_names.index("")
        perm = np.arange(len(set_names))
        perm[[0, z]] = perm[[z, 0]]
        inv = np.argsort(perm)
        set_codes = inv[set_codes]
        set_names = [set_names[i] for i in perm]
    skillset = set_codes.astype(np.intp)
    K = len(set_names)
    has_skills = np.ones((R, K), dtype=bool)
    if K > 1:
        set_pairs = pd.DataFrame({"set": np.arange(K), "text": set_names})
        set_words = _explode(set_pairs["set"].to_numpy(), set_pairs["text"].to_numpy(object))
        need = np.bincount(set_words["owner"].to_numpy(np.intp), minlength=K)
        rep_sk = _explode(np.arange(R), reps["Skills"].to_numpy(object))
        both = set_words.merge(rep_sk, on="word", suffixes=("_set", "_rep"))
        got = np.zeros((R, K), dtype=np.int64)
        np.add.at(got, (both["owner_rep"].to_numpy(np.intp), both["owner_set"].to_numpy(np.intp)), 1)
        has_skills = got >= need[None, :]

    # rule 1: account owners
    owner = np.full(n, -1, dtype=np.intp)
    t = tables.get(S.ACCOUNT_OWNERS.name)
    if t is not None and len(t.frame):
        idx = rep_index(t, "RepID", False)
        look = pd.Series(idx, index=pd.Index(t.frame["AccountID"]))
        look = look[look.index.notna() & ~look.index.duplicated(keep="first")]
        owner = leads["AccountID"].map(look).fillna(-1).to_numpy(np.intp)
    # rule 2: named accounts by domain
    named = np.full(n, -1, dtype=np.intp)
    t = tables.get(S.NAMED_ACCOUNTS.name)
    if t is not None and len(t.frame):
        idx = rep_index(t, "RepID", False)
        dom = normalise_domain(t.frame["Domain"].to_numpy(object))
        look = pd.Series(idx, index=pd.Index(dom))
        dup = look.index.duplicated(keep="first") & pd.notna(dom)
        for i in np.flatnonzero(dup):
            problems.add(t.problem(int(i), "Domain", "duplicate Domain", value=t.frame["Domain"].iloc[i],
                                   expected="each domain once (compared without www. and case)"))
        look = look[look.index.notna() & ~look.index.duplicated(keep="first")]
        named = pd.Series(normalise_domain(leads["Domain"].to_numpy(object))).map(look).fillna(-1).to_numpy(np.intp)
    # rules 3 and 4: routing rules
    rule_rep, rule_kind, pool, rule_row = _routing(tables.get(S.ROUTING_RULES.name), leads, rep_index, pool_of,
                                                   settings, problems)
    # out of office
    ooo = (np.zeros(0, np.intp), np.zeros(0, "datetime64[D]"), np.zeros(0, "datetime64[D]"))
    t = tables.get(S.OUT_OF_OFFICE.name)
    if t is not None and len(t.frame):
        idx = rep_index(t, "RepID", False)
        first = t.frame["FirstDay"].to_numpy("datetime64[D]")
        last = t.frame["LastDay"].to_numpy("datetime64[D]")
        for i in np.flatnonzero(~np.isnat(first) & ~np.isnat(last) & (last < first)):
            problems.add(t.problem(int(i), "LastDay", "last day before the first day", value=last[i].item(),
                                   expected=f"a date on or after FirstDay {first[i].item()}"))
        ok = (idx >= 0) & ~np.isnat(first) & ~np.isnat(last)
        ooo = (idx[ok], first[ok], last[ok])
    previous = _previous_assignments(source)
    kept = None
    if settings is not None:
        kept = _kept_leads(leads_t, leads, previous, reroute, rep_lookup, settings, problems)
    if problems or settings is None:
        return None
    if previous is not None:
        previous_lead_ids = previous["LeadID"].tolist()
    if settings.keep_assignments:
        previous_lead_ids = None  # kept leads are not routed again: every run continues where the last one ended
    # the round-robin state this run starts from
    start_leads, start_due, state_source, state_frame, as_read = _start_state(
        tables.get(S.RR_STATE.name), pool_keys, rep_ids, settings, leads["LeadID"], previous_lead_ids)
    unchanged = None
    if settings.keep_assignments and kept is not None and not kept.todo.any():
        unchanged = as_read  # nothing to route: the state stays as it was, start columns included
        state_frame = _state_frame(pool_keys, rep_ids, as_read[0], as_read[1])
        state_source = _describe_state(as_read[0], as_read[1], settings)
    elif kept is not None and kept.released:  # a round-robin lead routed again gives its count back
        pk = {k: i for i, k in enumerate(pool_keys)}
        rk = {r: i for i, r in enumerate(rep_ids)}
        for pool_name, rep_id in kept.released:
            pool_i, rep_j = pk.get(str(pool_name).strip().lower(), -1), rk.get(rep_id, -1)
            if pool_i >= 0 and rep_j >= 0 and start_leads[pool_i, rep_j] > 0:
                start_leads[pool_i, rep_j] -= 1
        state_frame = _state_frame(pool_keys, rep_ids, start_leads, start_due)
    frames = {name: tb.frame for name, tb in tables.items() if name != S.RR_STATE.name}
    frames["(round-robin start state)"] = state_frame
    warnings = _kept_warnings(leads, kept, reps, active, settings) if kept is not None else []
    return LeadInputs(
        workbook=source.workbook, settings=settings, leads=leads, reps=reps,
        day=leads["CreatedDate"].to_numpy("datetime64[D]"), owner=owner, named=named, rule_rep=rule_rep,
        rule_kind=rule_kind, pool=pool, language=language, skillset=skillset, pool_names=pool_names, member=member,
        weight=weight, capacity=capacity, active=active, speaks=speaks, has_skills=has_skills, ooo=ooo,
        language_names=[str(x) for x in lang_names], skillset_names=set_names, start_leads=start_leads,
        start_due=start_due, state_source=state_source, fingerprint=fingerprint(frames), warnings=warnings,
        rule_row=rule_row, kept=kept, unchanged_state=unchanged,
    )


def _settings(tbl: Table | None, pool_of: dict[str, int], problems: ProblemCollector) -> LeadSettings | None:
    raw = read_settings(tbl, S.LEAD_SETTING_NAMES, problems)
    ok = True

    def report(setting: str, message: str, value: object, expected: str) -> None:
        assert tbl is not None  # the defaults are valid: only a value read from the table can be bad
        problems.add(tbl.problem(raw[setting][1], "Value", message, value=value, expected=expected))

    queue = raw["FallbackQueue"][0] or "Unassigned"
    dp_text = raw["DefaultPool"][0].strip()
    default_pool = -1
    if dp_text:
        default_pool = pool_of.get(dp_text.lower(), -1)
        if default_pool < 0:
            ok = False
            report("DefaultPool", "unknown pool", dp_text, "a pool named in LeadReps[Pools], or blank")
    mode = raw["RoundRobinState"][0].strip().lower()
    if mode not in ("continue", "reset"):
        ok = False
        report("RoundRobinState", "not Continue or Reset", raw["RoundRobinState"][0], "Continue or Reset")
    keep = raw["KeepAssignments"][0].strip().lower()
    if keep not in ("yes", "no"):
        ok = False
        report("KeepAssignments", "not Yes or No", raw["KeepAssignments"][0], "Yes or No")
    return LeadSettings(queue, default_pool, mode == "reset", keep == "yes") if ok else None


def _routing(tbl: Table | None, leads: pd.DataFrame, rep_index, pool_of: dict[str, int],
             settings: LeadSettings | None, problems: ProblemCollector):
    n = len(leads)
    rule_rep = np.full(n, -1, dtype=np.intp)
    rule_kind = np.zeros(n, dtype=np.intp)
    rule_pool = np.full(n, -1, dtype=np.intp)
    rule_row = np.full(n, -1, dtype=np.intp)
    if tbl is not None and len(tbl.frame):
        f = tbl.frame
        reps = rep_index(tbl, "RepID", True)
        pkeys = norm_key(f["Pool"].to_numpy(object))
        pools = np.array([pool_of.get(k, -1) if k is not None else -1 for k in pkeys], dtype=np.intp) \
            if len(f) else np.zeros(0, np.intp)
        for i in np.flatnonzero((pools < 0) & pd.notna(pkeys)):
            problems.add(tbl.problem(int(i), "Pool", "unknown pool", value=f["Pool"].iloc[i],
                                     expected="a pool named in LeadReps[Pools], or blank"))
        terr = norm_key(f["Territory"].to_numpy(object))
        seg = norm_key(f["Segment"].to_numpy(object))
        for i in np.flatnonzero(pd.isna(terr) & pd.isna(seg)):
            problems.add(tbl.problem(int(i), "Territory", "a rule with neither Territory nor Segment",
                                     show_value=False, expected="a Territory, a Segment or both"))
        for i in np.flatnonzero(f["RepID"].isna().to_numpy() & pd.isna(pkeys)):
            problems.add(tbl.problem(int(i), "RepID", "a rule with neither RepID nor Pool", show_value=False,
                                     expected="a RepID, a Pool or both"))
        key = pd.Series(["\x1f".join(("" if a is None else a, "" if b is None else b)) for a, b in zip(terr, seg)],
                        dtype=object)
        dup = key.duplicated(keep="first").to_numpy()
        for i in np.flatnonzero(dup):
            first = int(np.flatnonzero(key.to_numpy() == key.iloc[i])[0])
            problems.add(tbl.problem(int(i), "Territory", "a second rule for the same Territory and Segment",
                                     value=f["Territory"].iloc[i],
                                     expected=f"one rule per Territory and Segment (first on "
                                              f"{tbl.raw.row_ref(first)})"))
        lt = norm_key(leads["Territory"].to_numpy(object))
        ls = norm_key(leads["Segment"].to_numpy(object))
        # the three specificity levels as (territory, segment) keys; "" stands for blank
        rules_t = np.array(["" if a is None else a for a in terr], dtype=object)
        rules_s = np.array(["" if b is None else b for b in seg], dtype=object)
        look = pd.Series(np.arange(len(f)), index=pd.MultiIndex.from_arrays([rules_t, rules_s]))
        look = look[~dup]
        match = np.full(n, -1, dtype=np.intp)
        kind = np.zeros(n, dtype=np.intp)
        has_t, has_s = pd.notna(lt), pd.notna(ls)
        # a blank lead field must match no rule field (a rule's blank stands for "any"): plant a value no rule holds
        # (not via np.where with a str scalar: numpy turns "\x00" into "", which a blank rule field matches)
        t_key = np.array(lt, dtype=object)
        t_key[~has_t] = _NO_VALUE
        s_key = np.array(ls, dtype=object)
        s_key[~has_s] = _NO_VALUE
        blank = np.full(n, "", dtype=object)
        for tk, sk, k in ((t_key, s_key, 1), (t_key, blank, 1), (blank, s_key, 2)):  # three levels
            if not n:
                break
            idx = pd.MultiIndex.from_arrays([tk.astype(object), sk.astype(object)])
            m = look.reindex(idx).fillna(-1).to_numpy(np.intp)
            take = (match < 0) & (m >= 0)
            match[take] = m[take]
            kind[take] = k
        has = match >= 0
        rule_rep[has] = reps[match[has]]
        rule_kind[has] = kind[has]
        rule_pool[has] = pools[match[has]]
        excel_rows = np.array([tbl.raw.excel_row(i) for i in range(len(f))], dtype=np.int64)
        rule_row[has] = excel_rows[match[has]]
    default_pool = settings.default_pool if settings is not None else -1
    pool = np.where(rule_pool >= 0, rule_pool, default_pool)
    return rule_rep, rule_kind, pool, rule_row


def _start_state(tbl: Table | None, pool_keys: list[str], rep_ids: np.ndarray, settings: LeadSettings | None,
                 lead_ids: pd.Series, previous_lead_ids):
    """(start leads, start due (NaN = new), description, frame for the fingerprint, the state as read).

    The state as read is (StartLeads, StartDue, Leads, Due) mapped to this run's pools and reps (zeros and NaN
    where the table has no row): what a run that routes nothing writes back.
    """
    P, R = len(pool_keys), len(rep_ids)
    leads0 = np.zeros((P, R), dtype=np.int64)
    due0 = np.full((P, R), np.nan)
    as_read = (leads0.copy(), due0.copy(), leads0.copy(), due0.copy())
    if tbl is not None and len(tbl.frame):
        f = tbl.frame
        pi = pd.Index(pool_keys).get_indexer(norm_key(f["Pool"].to_numpy(object)))
        rlook = pd.Series(np.arange(R), index=pd.Index(rep_ids))
        rlook = rlook[~rlook.index.duplicated(keep="first")]
        ri = f["RepID"].map(rlook).fillna(-1).to_numpy(np.intp)
        ok = (pi >= 0) & (ri >= 0)
        for k, (lc, dc) in enumerate((("StartLeads", "StartDue"), ("Leads", "Due"))):
            as_read[2 * k][pi[ok], ri[ok]] = np.nan_to_num(f[lc].to_numpy(np.float64)[ok]).astype(np.int64)
            as_read[2 * k + 1][pi[ok], ri[ok]] = f[dc].to_numpy(np.float64)[ok]
    empty = pd.DataFrame({"Pool": [], "RepID": [], "Leads": [], "Due": []})
    if settings is not None and settings.reset_state:
        return leads0, due0, "reset (RoundRobinState setting)", empty, as_read
    if tbl is None or not len(tbl.frame):
        return leads0, due0, "none (first run)", empty, as_read
    redo = previous_lead_ids is not None and bool(pd.Index(lead_ids).isin(pd.Index(previous_lead_ids)).any())
    # a redo of the same batch (KeepAssignments No) starts where the last run started; otherwise where it ended
    leads0, due0 = (as_read[0].copy(), as_read[1].copy()) if redo else (as_read[2].copy(), as_read[3].copy())
    return (leads0, due0, _describe_state(leads0, due0, settings), _state_frame(pool_keys, rep_ids, leads0, due0),
            as_read)


def _describe_state(leads0: np.ndarray, due0: np.ndarray, settings: LeadSettings | None) -> str:
    """Described by its content only, so that running the same leads again says the same."""
    if settings is not None and settings.reset_state:
        return "reset (RoundRobinState setting)"
    return "carried over from the previous batch of leads" if (~np.isnan(due0) | (leads0 > 0)).any() \
        else "none (first run)"


def _state_frame(pool_keys: list[str], rep_ids: np.ndarray, leads0: np.ndarray, due0: np.ndarray) -> pd.DataFrame:
    pp, rr = np.nonzero(~np.isnan(due0) | (leads0 > 0))
    if not len(pp):
        return pd.DataFrame({"Pool": [], "RepID": [], "Leads": [], "Due": []})
    return pd.DataFrame({"Pool": np.array(pool_keys, dtype=object)[pp], "RepID": rep_ids[rr],
                         "Leads": leads0[pp, rr], "Due": due0[pp, rr]})


# -- leads that keep their assignment ---------------------------------------------------------------------

def _text_id(v) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    t = str(v).strip()
    return t or None


def _text_ids(values) -> np.ndarray:
    """Object array of raw cell values as ids (1.0 -> "1", trimmed; blank -> None), as the typed tables hold them."""
    s = pd.Series(np.asarray(values, dtype=object), dtype=object)
    if pd.api.types.infer_dtype(s, skipna=True) == "string":  # the common case, column-wise
        t = s.str.strip()
        return t.where(t.notna() & (t != ""), None).to_numpy(object)
    codes, uniq = pd.factorize(s.to_numpy(object), use_na_sentinel=True)
    conv = np.empty(len(uniq) + 1, dtype=object)
    conv[:len(uniq)] = [_text_id(u) for u in uniq]  # a loop over distinct values (numbers among the ids)
    conv[-1] = None
    return conv[codes]


def _previous_assignments(source) -> pd.DataFrame | None:
    """The previous run's LeadAssignments (LeadID as text, one row per LeadID), or None when there is none."""
    raw = source.read("LeadAssignments")
    if raw is None or "LeadID" not in raw.columns or "AssignedTo" not in raw.columns:
        return None
    cols = {c: list(raw.data[c]) if c in raw.columns else [None] * raw.n_rows for c in ("LeadID",) + _KEPT_COLUMNS}
    f = pd.DataFrame(cols, dtype=object)
    f["LeadID"] = _text_ids(f["LeadID"].to_numpy(object))
    f["AssignedTo"] = _text_ids(f["AssignedTo"].to_numpy(object))
    f = f[f["LeadID"].notna() & f["AssignedTo"].notna()].drop_duplicates("LeadID", keep="first")
    return f.reset_index(drop=True)


def _kept_leads(leads_t: Table, leads: pd.DataFrame, previous: pd.DataFrame | None, reroute, rep_lookup: pd.Series,
                settings: LeadSettings, problems: ProblemCollector) -> KeptLeads:
    """Which leads keep an assignment (Leads[Assigned]; the previous LeadAssignments with KeepAssignments Yes)."""
    n = len(leads)
    out = KeptLeads.none(n)
    ids = leads["LeadID"].to_numpy(object)  # typed: text, whole numbers written as integers
    queue = settings.fallback_queue
    # requests to route again: Leads[Reroute] = Yes, or --reroute LEADID
    asked = [_text_id(x) for x in reroute]
    known = set(ids.tolist())
    for x in asked:
        if x is not None and x not in known:
            problems.add(Problem(message=f"--reroute names lead {x}, which is not in the Leads table",
                                 expected="LeadIDs listed in Leads", show_value=False, table=S.LEADS.name,
                                 workbook=leads_t.raw.workbook))
    by_flag = leads["Reroute"].to_numpy(object) == "Yes"
    by_cli = np.isin(ids, np.array([x for x in asked if x is not None], dtype=object))
    # previous rows
    if previous is not None and settings.keep_assignments and len(previous):
        prev = previous.set_index("LeadID")
        pos = prev.index.get_indexer(ids)
        has_prev = pos >= 0
        p_origin = np.where(has_prev, prev["Origin"].to_numpy(object)[np.maximum(pos, 0)] if len(prev) else _BLANK,
                            _BLANK)
        # Reroute = Yes routes a lead again once: a row already Rerouted is kept (--reroute moves it again)
        again = has_prev & ((by_flag & (p_origin != ORIGIN_REROUTED)) | by_cli)
        keep = has_prev & ~again
        for c in _KEPT_COLUMNS:
            vals = prev[c].to_numpy(object)[np.maximum(pos, 0)] if len(prev) else np.full(n, None, dtype=object)
            out.rows[c] = np.where(keep, vals, _BLANK)
        o = out.rows["Origin"]  # kept rows stay as they were (a row of an older version without Origin: Routed)
        o = np.where(keep & pd.isna(o), ORIGIN_ROUTED, o)
        out.rows["Origin"] = o
        out.todo = ~keep
        out.origin = np.where(keep, o, np.where(again, ORIGIN_REROUTED, ORIGIN_ROUTED)).astype(object)
        prev_to = np.where(has_prev, prev["AssignedTo"].to_numpy(object)[np.maximum(pos, 0)] if len(prev) else _BLANK,
                           _BLANK)
        out.rerouted_from = np.where(again, prev_to, _BLANK).astype(object)
        p_rule = prev["Rule"].to_numpy(object)[np.maximum(pos, 0)] if len(prev) else np.full(n, None, object)
        p_pool = prev["Pool"].to_numpy(object)[np.maximum(pos, 0)] if len(prev) else np.full(n, None, object)
        out.released = [(p_pool[i], prev_to[i]) for i in np.flatnonzero(again & (p_rule == RULE_RR))
                        if p_pool[i] is not None]
    # Leads[Assigned]: the lead keeps that rep or the queue, whatever came before
    given = leads["Assigned"].to_numpy(object)  # typed text (blank: None)
    has_given = pd.notna(given)
    if has_given.any():
        rep_i = pd.Series(given).map(rep_lookup).fillna(-1).to_numpy(np.intp)
        is_queue = given == queue
        for i in np.flatnonzero(has_given & (rep_i < 0) & ~is_queue):
            problems.add(leads_t.problem(int(i), "Assigned", "unknown rep", value=leads["Assigned"].iloc[i],
                                         expected=f"a RepID listed in LeadReps, the fallback queue {queue!r}, or blank"))
        out.todo = out.todo & ~has_given
        out.origin = np.where(has_given, ORIGIN_ASSIGNED, out.origin).astype(object)
        out.rerouted_from = np.where(has_given, _BLANK, out.rerouted_from).astype(object)
        out.rows["AssignedTo"] = np.where(has_given, given, out.rows["AssignedTo"])
        out.rows["Rule"] = np.where(has_given, RULE_ASSIGNED, out.rows["Rule"])
        out.rows["Pool"] = np.where(has_given, _BLANK, out.rows["Pool"])
        out.rows["Detail"] = np.where(has_given, "assigned in Leads[Assigned]", out.rows["Detail"])
        out.rows["Origin"] = np.where(has_given, ORIGIN_ASSIGNED, out.rows["Origin"])
    kept_to = pd.Series(out.rows["AssignedTo"], dtype=object)
    out.rep = np.where(~out.todo, kept_to.map(rep_lookup).fillna(-1).to_numpy(np.intp), -1)
    return out


def _kept_warnings(leads: pd.DataFrame, kept: KeptLeads, reps: pd.DataFrame, active: np.ndarray,
                   settings: LeadSettings) -> list[str]:
    """Kept leads whose rep can no longer take leads: said, never moved silently."""
    out = []
    fixed = ~kept.todo
    ids = leads["LeadID"].astype(str).to_numpy(object)
    to = kept.rows["AssignedTo"]
    gone = fixed & (kept.rep < 0) & (to != settings.fallback_queue) & pd.notna(to)
    off = fixed & (kept.rep >= 0) & ~active[np.maximum(kept.rep, 0)] if len(reps) else np.zeros(len(ids), bool)
    for mask, what in ((off, "inactive"), (gone, "no longer in LeadReps")):
        k = np.flatnonzero(mask)
        if len(k):
            listed = ", ".join(f"{ids[i]} ({to[i]})" for i in k[:10]) + (" ..." if len(k) > 10 else "")
            out.append(f"{len(k)} lead(s) keep a rep who is {what}: {listed}; set Leads[Reroute] to Yes (or run "
                       f"`salesops-xl territories leads --reroute LEADID`) to route them again")
    return out


# -- routing ---------------------------------------------------------------------------------------------

@dataclass
class LeadResult:
    """What a lead run produced (rows of ``assignments`` in the Leads table's order)."""

    assignments: pd.DataFrame  # LeadID, CreatedDate, Company, AssignedTo, RepName, Rule, Pool, Detail
    load: pd.DataFrame  # per rep
    pools: pd.DataFrame  # per pool and member rep: target share, share, deviation (run and cumulative)
    fairness: pd.DataFrame  # per pool: leads, largest deviation, Jain's index (run and cumulative)
    rules: pd.DataFrame  # leads per rule
    state: pd.DataFrame  # the RoundRobinState table to write
    inputs: LeadInputs
    rep_index: np.ndarray  # (n,) assigned rep index or -1 (queue)
    rule_code: np.ndarray  # (n,) index into RULES


_R_INACTIVE, _R_OOO, _R_FULL, _R_LANG, _R_SKILL = 1, 2, 3, 4, 5
_REASON_TEXT = {_R_INACTIVE: "inactive", _R_OOO: "out of office", _R_FULL: "at capacity",
                _R_LANG: "does not handle the language", _R_SKILL: "lacks a skill"}


def _availability(inp: LeadInputs, days: np.ndarray) -> np.ndarray:
    """(R, D) rep is not out of office on day d."""
    R = len(inp.reps)
    away = np.zeros((R, len(days)), dtype=bool)
    r, a, b = inp.ooo
    if len(r):
        hit = (a[:, None] <= days[None, :]) & (days[None, :] <= b[:, None])
        np.logical_or.at(away, r, hit)
    return ~away


def route(inp: LeadInputs) -> LeadResult:
    """Route every lead of ``inp``."""
    n, R, P = inp.n_leads, len(inp.reps), len(inp.pool_names)
    days, dcode = np.unique(inp.day, return_inverse=True)
    dcode = dcode.reshape(-1).astype(np.intp)
    D = len(days)
    avail = _availability(inp, days)  # (R, D)
    order = np.lexsort((np.arange(n), dcode))  # lead order: by day, then table row
    rank_of = np.empty(n, dtype=np.intp)
    rank_of[order] = np.arange(n)
    used = np.zeros((R, D), dtype=np.int64)
    kept = inp.kept if inp.kept is not None else KeptLeads.none(n)
    todo = kept.todo
    fx = np.flatnonzero(~todo & (kept.rep >= 0))
    np.add.at(used, (kept.rep[fx], dcode[fx]), 1)  # a kept lead still counts toward its rep's DailyCapacity
    assigned = np.full(n, -1, dtype=np.intp)
    rule = np.full(n, RULES.index(RULE_FALLBACK), dtype=np.intp)
    notes: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (lead idx, stage label code, reason) misses

    def static_reason(rep: np.ndarray, leads_idx: np.ndarray) -> np.ndarray:
        """0 if ``rep`` can take the lead (capacity aside), else the first reason it cannot."""
        d = dcode[leads_idx]
        reason = np.zeros(len(leads_idx), dtype=np.intp)
        lg = inp.language[leads_idx]
        sk = inp.skillset[leads_idx]
        lang_bad = (lg >= 0) & ~inp.speaks[rep, np.maximum(lg, 0)]
        skill_bad = ~inp.has_skills[rep, sk]
        reason = np.where(skill_bad, _R_SKILL, reason)
        reason = np.where(lang_bad, _R_LANG, reason)
        reason = np.where(~avail[rep, d], _R_OOO, reason)
        reason = np.where(~inp.active[rep], _R_INACTIVE, reason)
        return reason

    # -- rules 1-3: a named rep ------------------------------------------------------------------------
    stage_targets = [(RULES.index(RULE_OWNER), inp.owner),
                     (RULES.index(RULE_NAMED), inp.named),
                     (-1, inp.rule_rep)]
    for stage, target in stage_targets:
        cand = np.flatnonzero((assigned < 0) & (target >= 0) & todo)
        if not len(cand):
            continue
        cand = cand[np.argsort(rank_of[cand], kind="stable")]  # lead order
        rep = target[cand]
        reason = static_reason(rep, cand)
        ok = reason == 0
        c_ok = cand[ok]
        r_ok = rep[ok]
        d_ok = dcode[c_ok]
        # capacity: within (rep, day), leads in lead order take what is left
        grp = r_ok * D + d_ok
        o = np.argsort(grp, kind="stable")
        g_sorted = grp[o]
        start = np.r_[0, np.flatnonzero(np.diff(g_sorted)) + 1]
        counts = np.diff(np.r_[start, len(g_sorted)])
        within = np.arange(len(g_sorted)) - np.repeat(start, counts)
        rank = np.empty(len(grp), dtype=np.intp)
        rank[o] = within
        left = inp.capacity[r_ok] - used[r_ok, d_ok]
        take = rank < left
        acc = c_ok[take]
        assigned[acc] = r_ok[take]
        if stage >= 0:
            rule[acc] = stage
        else:
            rule[acc] = np.where(inp.rule_kind[acc] == 2, RULES.index(RULE_SEGMENT), RULES.index(RULE_TERRITORY))
        np.add.at(used, (r_ok[take], d_ok[take]), 1)
        full = np.zeros(len(cand), dtype=np.int64)
        full[np.flatnonzero(ok)[~take]] = _R_FULL
        reason = np.where(ok, full, reason)
        miss = reason > 0
        label = stage if stage >= 0 else -1
        notes.append((cand[miss], np.full(int(miss.sum()), label), reason[miss]))

    # -- rule 4: round-robin ----------------------------------------------------------------------------
    start_due = inp.start_due
    due = np.where(np.isnan(start_due), 0.5 / np.where(inp.weight > 0, inp.weight, 1.0)[None, :], start_due)
    clock = np.zeros(P)
    rr_count = np.zeros((P, R), dtype=np.int64)
    rr_pool = np.full(n, -1, dtype=np.intp)
    fallback_reason = np.full(n, "", dtype=object)
    rr_cand = np.flatnonzero((assigned < 0) & (inp.pool >= 0) & todo)
    no_pool = np.flatnonzero((assigned < 0) & (inp.pool < 0) & todo)
    if len(rr_cand):
        # requirement class: (language + 1) x skill sets + skill set; no language first, then languages and
        # skill sets in the order they first appear in Leads
        K = max(len(inp.skillset_names), 1)
        req = (inp.language[rr_cand] + 1) * K + inp.skillset[rr_cand]
        req_codes, req_inv = np.unique(req, return_inverse=True)
        req_inv = req_inv.reshape(-1)
        # eligibility (capacity aside) of every rep for every requirement class
        lang_c = req_codes // K - 1
        sk_c = req_codes % K
        req_ok = inp.has_skills[:, sk_c] & ((lang_c < 0)[None, :] | inp.speaks[:, np.maximum(lang_c, 0)])
        rr_ok = inp.active & (inp.weight > 0)
        pool_c = inp.pool[rr_cand]
        day_c = dcode[rr_cand]
        batch_key = (day_c * P + pool_c) * len(req_codes) + req_inv
        bkeys, binv = np.unique(batch_key, return_inverse=True)
        binv = binv.reshape(-1)
        b_day = bkeys // (P * len(req_codes))
        b_pool = (bkeys // len(req_codes)) % P
        b_req = bkeys % len(req_codes)
        # batches of a day: the ones fewer reps can take go first
        n_elig = (inp.member[b_pool] & rr_ok[None, :] & avail[:, b_day].T & req_ok[:, b_req].T
                  & (inp.capacity[None, :] > 0)).sum(axis=1)
        b_order = np.lexsort((b_req, b_pool, n_elig, b_day))
        # leads of each batch in lead order
        lo = np.lexsort((rank_of[rr_cand], binv))
        sorted_leads = rr_cand[lo]
        bstart = np.searchsorted(binv[lo], np.arange(len(bkeys)))
        bend = np.r_[bstart[1:], len(lo)]
        rep_order = np.arange(R)
        for b in b_order:  # one iteration per batch (day x pool x requirement class)
            leads_b = sorted_leads[bstart[b]:bend[b]]
            p, d, q = b_pool[b], b_day[b], b_req[b]
            elig_mask = inp.member[p] & rr_ok & avail[:, d] & req_ok[:, q]
            left = inp.capacity - used[:, d]
            cap_mask = elig_mask & (left > 0)
            elig = np.flatnonzero(cap_mask)
            rr_pool[leads_b] = p
            if len(elig) == 0:
                fallback_reason[leads_b] = _empty_pool_text(inp, p, d, q, elig_mask, req_ok, rr_ok, avail, left,
                                                            lang_c, sk_c)
                continue
            w = inp.weight[elig]
            P0 = np.maximum(due[p, elig], clock[p])
            cap = left[elig]
            k_take, reps_seq, times = _stride(P0, w, cap, len(leads_b), rep_order[elig])
            got = len(reps_seq)
            assigned[leads_b[:got]] = elig[reps_seq]
            rule[leads_b[:got]] = RULES.index(RULE_RR)
            if got:
                due[p, elig] = P0 + k_take / w
                clock[p] = times[-1]
                used[elig, d] += k_take
                rr_count[p, elig] += k_take
            if got < len(leads_b):
                fallback_reason[leads_b[got:]] = f"pool {inp.pool_names[p]}: every eligible rep at capacity"
    if len(no_pool):
        fallback_reason[no_pool] = "no routing rule sent it to a pool and there is no DefaultPool"
    return _result(inp, assigned, rule, notes, rr_pool, fallback_reason, due, clock, rr_count, used)


def _stride(P0: np.ndarray, w: np.ndarray, cap: np.ndarray, n: int, tie: np.ndarray):
    """The ``n`` earliest slots of reps whose k-th slot is at ``P0 + k / w`` (k < cap).

    Returns (slots taken per rep, rep position of each slot in order, slot times). Ties at equal
    times (to TIE_DECIMALS) go to the lower ``tie`` value.
    """
    total = np.minimum(cap, n).sum()
    n_take = int(min(n, total))
    if n_take == 0:
        return np.zeros(len(P0), dtype=np.intp), np.zeros(0, dtype=np.intp), np.zeros(0)
    stride = 1.0 / w

    def count(T):
        return np.clip(np.floor((T - P0) * w) + 1.0, 0, cap)

    lo_t = float(P0.min())
    hi_t = float(P0.max() + (n_take + 1) * stride.max())
    if count(lo_t).sum() < n_take:
        for _ in range(200):  # bisection on the time of the n-th slot
            mid = 0.5 * (lo_t + hi_t)
            if count(mid).sum() >= n_take:
                hi_t = mid
            else:
                lo_t = mid
            if hi_t - lo_t <= 1e-12 * max(1.0, abs(hi_t)):
                break
    else:
        hi_t = lo_t
    # every slot up to a little after that time (ties within TIE_DECIMALS included), then the n first
    k = count(hi_t + 1e-6 * max(1.0, abs(hi_t))).astype(np.intp)
    reps = np.repeat(np.arange(len(P0)), k)
    j = np.arange(len(reps)) - np.repeat(np.cumsum(k) - k, k)
    times = np.round(P0[reps] + j * stride[reps], TIE_DECIMALS)
    o = np.lexsort((tie[reps], times))[:n_take]
    reps, times = reps[o], times[o]
    taken = np.bincount(reps, minlength=len(P0)).astype(np.int64)
    return taken, reps, times


def _empty_pool_text(inp, p, d, q, elig_mask, req_ok, rr_ok, avail, left, lang_c, sk_c) -> str:
    members = inp.member[p]
    if not members.any():
        return f"pool {inp.pool_names[p]} has no reps"
    parts = []
    n_inactive = int((members & ~rr_ok).sum())
    n_away = int((members & rr_ok & ~avail[:, d]).sum())
    n_unq = int((members & rr_ok & avail[:, d] & ~req_ok[:, q]).sum())
    n_full = int((elig_mask & (left <= 0)).sum())
    if n_inactive:
        parts.append(f"{n_inactive} inactive or weight 0")
    if n_away:
        parts.append(f"{n_away} out of office")
    if n_unq:
        need = []
        if lang_c[q] >= 0:
            need.append(f"language {inp.language_names[lang_c[q]]!r}")
        if sk_c[q] > 0:
            need.append(f"skills {inp.skillset_names[sk_c[q]]!r}")
        parts.append(f"{n_unq} without {' and '.join(need) or 'the requirements'}")
    if n_full:
        parts.append(f"{n_full} at capacity")
    return f"pool {inp.pool_names[p]}: no eligible rep (" + ", ".join(parts) + ")"


def _result(inp: LeadInputs, assigned, rule, notes, rr_pool, fallback_reason, due, clock, rr_count, used) -> LeadResult:
    n, R, P = inp.n_leads, len(inp.reps), len(inp.pool_names)
    leads = inp.leads
    rep_ids = inp.rep_ids
    rep_names = inp.reps["RepName"].to_numpy(object)
    kept = inp.kept if inp.kept is not None else KeptLeads.none(n)
    fixed = ~kept.todo
    has = assigned >= 0
    assigned_to = np.where(has, rep_ids[np.maximum(assigned, 0)] if R else _BLANK, inp.settings.fallback_queue)
    rep_name = np.where(has, rep_names[np.maximum(assigned, 0)] if R else _BLANK, _BLANK)
    rule_text = np.array(RULES, dtype=object)[rule]
    pool_text = np.array(inp.pool_names + [None], dtype=object)[np.where(rr_pool >= 0, rr_pool, P)]
    # detail: what fired, preceded by the rules that could not
    acc = pd.Series(leads["AccountID"].to_numpy(object), dtype=object).astype(str)
    dom = pd.Series(normalise_domain(leads["Domain"].to_numpy(object)), dtype=object).astype(str)
    ter = pd.Series(leads["Territory"].to_numpy(object), dtype=object).astype(str)
    seg = pd.Series(leads["Segment"].to_numpy(object), dtype=object).astype(str)
    what = pd.Series("", index=np.arange(n), dtype=object)
    is_ = {name: rule == k for k, name in enumerate(RULES)}  # masks from the integer codes (not text compares)
    what[is_[RULE_OWNER]] = "owner of account " + acc[is_[RULE_OWNER]]
    what[is_[RULE_NAMED]] = "named account " + dom[is_[RULE_NAMED]]
    row_no = inp.rule_row if inp.rule_row is not None else np.full(n, -1, dtype=np.intp)
    rows_used = np.unique(row_no)  # a handful of rules: one text each
    from_rule = pd.Series(row_no).map({int(k): f" (RoutingRules row {k})" if k >= 0 else " (DefaultPool)"
                                       for k in rows_used})
    for name, head, text in ((RULE_TERRITORY, "territory ", ter), (RULE_SEGMENT, "segment ", seg),
                             (RULE_RR, "pool ", pd.Series(pool_text, dtype=object).astype(str))):
        m = is_[name]
        what[m] = head + text[m] + from_rule[m]
    fb = is_[RULE_FALLBACK]
    what[fb] = pd.Series(fallback_reason, dtype=object)[fb]
    miss_text = pd.Series("", index=np.arange(n), dtype=object)
    label = {RULES.index(RULE_OWNER): "account owner", RULES.index(RULE_NAMED): "named rep", -1: "territory rep"}
    target_of = {RULES.index(RULE_OWNER): inp.owner, RULES.index(RULE_NAMED): inp.named, -1: inp.rule_rep}
    reason_text = np.array([_REASON_TEXT.get(x, "") for x in range(6)], dtype=object)
    for idx, lab, reason in notes:  # one iteration per rule stage
        if not len(idx):
            continue
        stage = int(lab[0])
        txt = (label[stage] + " " + pd.Series(rep_ids[target_of[stage][idx]], dtype=object).astype(str) + " "
               + pd.Series(reason_text[reason], dtype=object) + "; ")
        miss_text[idx] = miss_text[idx].to_numpy() + txt.to_numpy()
    detail = (miss_text + what).to_numpy(object).copy()
    again = pd.notna(kept.rerouted_from)
    if again.any():
        detail[again] = ("rerouted on request (was " + pd.Series(kept.rerouted_from[again], dtype=object).astype(str)
                         + "); " + pd.Series(detail[again], dtype=object)).to_numpy(object)
    # leads not routed this run keep their rows (their rep's current name)
    assigned_to = np.where(fixed, kept.rows["AssignedTo"], assigned_to).astype(object)
    rep_name = np.where(fixed & (kept.rep >= 0), rep_names[np.maximum(kept.rep, 0)] if R else _BLANK,
                        np.where(fixed, kept.rows["RepName"], rep_name)).astype(object)
    rule_text = np.where(fixed, kept.rows["Rule"], rule_text).astype(object)
    pool_text = np.where(fixed, kept.rows["Pool"], pool_text).astype(object)
    detail = np.where(fixed, kept.rows["Detail"], detail).astype(object)
    code_of = {name: k for k, name in enumerate(RULES)}
    kept_code = pd.Series(rule_text, dtype=object).map(code_of).fillna(RULES.index(RULE_ASSIGNED)).to_numpy(np.intp)
    rule = np.where(fixed, kept_code, rule).astype(np.intp)
    assigned = np.where(fixed, kept.rep, assigned)
    has = assigned >= 0
    assignments = pd.DataFrame({
        "LeadID": leads["LeadID"].to_numpy(object), "CreatedDate": inp.day,
        "Company": leads["Company"].to_numpy(object), "AssignedTo": assigned_to,
        "RepName": rep_name, "Rule": rule_text, "Origin": kept.origin.astype(object), "Pool": pool_text,
        "Detail": detail,
    })
    # per-rep load
    by_rule = np.zeros((R, len(RULES)), dtype=np.int64)
    if has.any():
        np.add.at(by_rule, (assigned[has], rule[has]), 1)
    rr_leads = by_rule[:, RULES.index(RULE_RR)]
    # round-robin leads of the table (routed now or kept) by pool and rep: the "this table" fairness figures
    pool_idx = pd.Series(norm_key(pool_text), dtype=object).map(
        {k.lower(): i for i, k in enumerate(inp.pool_names)}).fillna(-1).to_numpy(np.intp)
    is_rr = (rule == RULES.index(RULE_RR)) & has & (pool_idx >= 0)
    table_rr = np.zeros((P, R), dtype=np.int64)
    np.add.at(table_rr, (pool_idx[is_rr], assigned[is_rr]), 1)
    # expected round-robin leads: each pool's leads x the rep's target share in it
    w_eff = np.where(inp.active & (inp.weight > 0), inp.weight, 0.0)[None, :] * inp.member
    wsum = w_eff.sum(axis=1, keepdims=True)
    share_t = np.divide(w_eff, wsum, out=np.zeros_like(w_eff), where=wsum > 0)
    pool_total = table_rr.sum(axis=1)
    expected = (pool_total[:, None] * share_t).sum(axis=0)
    total = has.sum()
    load = pd.DataFrame({
        "RepID": rep_ids, "RepName": rep_names, "Pools": inp.reps["Pools"].to_numpy(object),
        "Weight": inp.weight, "DailyCapacity": np.where(np.isinf(inp.capacity), np.nan, inp.capacity),
        "Leads": by_rule.sum(axis=1), "Share": by_rule.sum(axis=1) / total if total else np.zeros(R),
        "AccountOwner": by_rule[:, 0], "NamedAccount": by_rule[:, 1],
        "TerritorySegment": by_rule[:, 2] + by_rule[:, 3], "RoundRobin": rr_leads,
        "RoundRobinExpected": expected, "RoundRobinDeviation": rr_leads - expected,
        "BusiestDay": used.max(axis=1) if used.shape[1] else np.zeros(R, dtype=np.int64),
    })
    # per pool and member: shares this run and cumulative
    pp, rr = np.nonzero(inp.member)
    unchanged = inp.unchanged_state
    cum = unchanged[2] if unchanged is not None else inp.start_leads + rr_count
    cum_total = cum.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        run_share = np.where(pool_total[pp] > 0, table_rr[pp, rr] / pool_total[pp], np.nan)
        cum_share = np.where(cum_total[pp] > 0, cum[pp, rr] / cum_total[pp], np.nan)
    pools = pd.DataFrame({
        "Pool": np.array(inp.pool_names, dtype=object)[pp] if len(pp) else np.zeros(0, object),
        "RepID": rep_ids[rr], "Weight": inp.weight[rr], "TargetShare": share_t[pp, rr],
        "Leads": table_rr[pp, rr], "Share": run_share, "Deviation": run_share - share_t[pp, rr],
        "CumulativeLeads": cum[pp, rr], "CumulativeShare": cum_share,
        "CumulativeDeviation": cum_share - share_t[pp, rr],
    })
    fair = []
    for p in range(P):  # one row per pool
        sel = (pp == p) & (share_t[pp, rr] > 0)
        fair.append(_fairness(pools[sel], inp.pool_names[p], int(pool_total[p]), int(cum_total[p])))
    fairness = pd.DataFrame(fair, columns=["Pool", "Reps", "Leads", "MaxDeviation", "JainIndex", "CumulativeLeads",
                                           "CumulativeMaxDeviation", "CumulativeJainIndex"])
    rules = pd.DataFrame({"Rule": np.array(RULES, dtype=object),
                          "Leads": np.bincount(rule, minlength=len(RULES)).astype(np.int64)})
    # state for the next run
    rel = np.maximum(due - clock[:, None], 0.0)
    start_leads, start_due = inp.start_leads, np.where(np.isnan(inp.start_due), np.nan, inp.start_due)
    if unchanged is not None:  # no lead routed: the state as it was (a rep without one: Due blank)
        start_leads, start_due = unchanged[0], unchanged[1]
        rel = unchanged[3]
    state = pd.DataFrame({
        "Pool": np.array(inp.pool_names, dtype=object)[pp] if len(pp) else np.zeros(0, object),
        "RepID": rep_ids[rr], "Weight": inp.weight[rr], "StartLeads": start_leads[pp, rr],
        "StartDue": start_due[pp, rr], "Leads": cum[pp, rr], "Due": np.round(rel[pp, rr], 12),
    })
    return LeadResult(assignments=assignments, load=load, pools=pools, fairness=fairness, rules=rules, state=state,
                      inputs=inp, rep_index=assigned, rule_code=rule)


def jain_index(x: np.ndarray) -> float:
    """Jain's fairness index (sum x)^2 / (n sum x^2): 1 when all equal, 1/n when one takes all."""
    x = np.asarray(x, dtype=np.float64)
    s2 = float((x * x).sum())
    if len(x) == 0 or s2 == 0:
        return float("nan")
    return float(x.sum() ** 2 / (len(x) * s2))


def _fairness(rows: pd.DataFrame, pool: str, leads: int, cum_leads: int) -> tuple:
    t = rows["TargetShare"].to_numpy()
    run = rows["Leads"].to_numpy(np.float64) / np.where(t > 0, t, 1.0)
    cum = rows["CumulativeLeads"].to_numpy(np.float64) / np.where(t > 0, t, 1.0)
    dev = np.abs(rows["Deviation"].to_numpy(np.float64))
    cdev = np.abs(rows["CumulativeDeviation"].to_numpy(np.float64))
    return (pool, len(rows), leads, float(np.nanmax(dev)) if leads and len(dev) else np.nan,
            jain_index(run) if leads else np.nan, cum_leads,
            float(np.nanmax(cdev)) if cum_leads and len(cdev) else np.nan, jain_index(cum) if cum_leads else np.nan)

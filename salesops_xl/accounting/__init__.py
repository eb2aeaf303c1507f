"""Closing the books on a commission run: ASC 340-40 / IFRS 15 capitalisation and amortisation, accruals for
the month-end close, and the payroll and general-ledger exports (docs/accounting.md states every rule).

Modules, one job each: :mod:`.schema` (the input tables), :mod:`.amortise` (the vectorised schedule kernel),
:mod:`.engine` (from a commission run to schedules, roll-forward, accruals and journal),
:mod:`.exports` (payroll and journal CSV), :mod:`.outputs` (the sheets recalc writes), :mod:`.cli`.
"""

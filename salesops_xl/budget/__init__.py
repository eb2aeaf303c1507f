"""The sales budget and the back-scheduled hiring plan (workbooks/budget.xlsx)."""

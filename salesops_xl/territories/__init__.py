"""Territory alignment and lead allocation (workbooks/territories.xlsx). Rules: docs/territories.md."""

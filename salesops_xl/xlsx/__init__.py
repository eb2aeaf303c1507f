"""Reading and writing .xlsx/.xlsm packages for the batch door (never imported by the add-in)."""

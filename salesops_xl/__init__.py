"""salesops-xl: one tested engine behind sales-operations spreadsheets.

The engine is plain Python over numpy/pandas and never imports Excel
libraries; the add-in (``addin/``), the scripts and the ``salesops-xl``
command are thin doors onto it.
"""
__version__ = "0.1.0"

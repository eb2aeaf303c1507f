"""What Excel loads: cell functions and scripts, the same modules for desktop xlwings and xlwings Lite."""

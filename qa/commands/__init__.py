"""The ``qa`` subcommands that run the build side: their options, their checks, their one-line reports.

Argument parsing lives on this floor beside ``qa/cli.py``; the commands reach ``index`` only
through its face (``index/__init__.py``).
"""

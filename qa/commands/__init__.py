"""The command line's subcommands beyond ask/search/serve: one module per group, wired by ``qa.cli``.

Argument parsing lives on this floor; the commands reach ``index`` only through its face
(``index/__init__.py``).
"""

"""The command line's subcommands beyond ask/search/serve: one module per group, wired by ``qa.cli``."""

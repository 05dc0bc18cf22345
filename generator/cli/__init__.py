"""The ``headatlas`` command: one module per subcommand, wired in main.py."""

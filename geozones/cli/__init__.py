"""Stage 13, the command line: ``geozones``.

Takes in arguments and files; gives out text, JSON and files, and an exit code
from one map of error kinds (:mod:`geozones.cli.errors`).
"""

"""The `codetracker` command. Thin: parse flags, build a request, call the use cases, print the result.

One module per command, each with its `add_parser` and `run` (`dev` lives in `local/cli.py`); `entry.py`
holds the parser and `main`. Which request a command line means
(a folder or a repository scan), and which flags apply to which, is the CLI's own rule; everything about the
request's values is validated by the request itself (usecases/scan_requests), whose messages name fields:
`common.error_line` turns a field into its flag.
"""

from codetracker.cli.entry import build_parser, main

__all__ = ["build_parser", "main"]

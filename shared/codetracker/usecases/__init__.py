"""Use cases: the one implementation behind the CLI, the Lambda handlers and the local runtime.

One module per capability, each taking a frozen request (scan_requests.py, app_requests.py: built and
validated there, once) and the ports it needs, and returning a result. Adapters come from `codetracker.wiring`
or from a test; nothing here imports an adapter. Which module holds what: docs/architecture.md.
"""

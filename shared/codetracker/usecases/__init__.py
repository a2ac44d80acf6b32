"""Use cases: the one implementation behind the CLI, the Lambda handlers and the local runtime.

One module per capability, each taking a frozen request (requests.py: built and validated there, once) and
the ports it needs, and returning a result:
- `extract`: a folder or tree → a descriptor (no database);
- `scan`: fetch or read a source, select and extract → a ScanResult (no database writes; the blob cache is
  read and filled through short units of work);
- `persist`: a ScanResult → the stored snapshot, in one unit of work;
- `snapshots`: listing (paginated) and showing stored snapshots.
Adapters come from `codetracker.wiring` or from a test; nothing here imports an adapter.
"""

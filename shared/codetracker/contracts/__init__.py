"""Wire formats at the edges, each converted to and from domain values and versioned, one module per format:

- `descriptor`: the descriptor JSON (`codetracker extract --json`, the API's snapshot bodies);
- `cli_output`: the snapshot summaries and scan outcomes the CLI prints with --json;
- `cache_encoding`: the blob cache's positional encoding (versioned by EXTRACTOR_VERSION);
- `cursors`: pagination cursors, opaque to clients, each bound to the listing that handed it out;
- queue messages, each `{"v": 1, "type": ...}` and validated at its consumer's edge (`message_fields`):
  `scan_requested` (api, reconciler → scanner), `persist_requested` (scanner → persister), `notify_requested`
  (persister, scanner → notifier); any of them may travel as a `claim_check` (the body in the payload store);
- `webhooks`: the bodies the notifier POSTs (`snapshot.stored`, `scan.failed`).

A change that a reader of the previous version would misread bumps the version. Nothing is re-exported here:
an importer pays only for the formats it uses.
"""

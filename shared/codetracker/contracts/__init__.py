"""Wire formats at the edges, each converted to and from domain values and versioned, one module per format
(the list: docs/architecture.md). A queue message is `{"v": 1, "type": ...}`, validated at its consumer's edge
(`message_fields`), and may travel as a `claim_check` (the body in the payload store).

A change that a reader of the previous version would misread bumps the version. Nothing is re-exported here:
an importer pays only for the formats it uses.
"""

"""The in-memory fakes of the unit of work and its stores, one module per store as in adapters/postgres/.

For tests (and nothing shipped): the contract suite (tests/contract/) runs against them and Postgres alike,
so the two cannot drift. Not in the Lambda layer (layers/codetracker/Makefile)."""

"""Pure domain code: no I/O, no database, network or git libraries (an architecture test checks it)."""

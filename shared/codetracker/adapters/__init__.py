"""Adapters: one module per outside system (Postgres, git, queues, HTTP), each implementing a port.

Importing this package is free: every adapter imports its heavy library (psycopg, dulwich, boto3) lazily,
on the code path that uses it. The embedded Postgres of local runs is not an adapter: codetracker.local.
"""

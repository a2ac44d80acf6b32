"""Adapters: one module per outside system (Postgres, git, queues, HTTP), each implementing a port.

Importing this package is free: every adapter imports its heavy library (psycopg, pgserver, dulwich, boto3)
lazily, on the code path that uses it.
"""

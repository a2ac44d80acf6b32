"""The Postgres adapters, one concern per module (the connection owner, migrations, the unit of work and one
module per store; the map is docs/architecture.md). psycopg is imported lazily, on the paths that use it.
"""

"""The local runtime (`codetracker dev`) and the embedded Postgres of local runs (`embedded_postgres`): never
shipped to Lambda (layers/codetracker/Makefile leaves it out; tests/unit/test_lambda_layer.py checks it)."""

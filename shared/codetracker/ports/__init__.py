"""The ports: small interfaces between the use cases and the outside world, one module per concept. One real
adapter each, in adapters/; an in-memory fake where tests need one, held to the same contract tests."""

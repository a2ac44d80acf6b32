"""Fetching git repositories with dulwich: one ref at depth 1, into memory (the RepositoryFetcher port).

The port implementation is `codetracker.adapters.git.fetcher.DulwichFetcher`; each module of this package
holds one concern and explains it in its docstring. Importing the package imports no dulwich or urllib3.
"""

"""The local runtime (`codetracker dev`): never shipped to Lambda (layers/codetracker/Makefile leaves it out)."""

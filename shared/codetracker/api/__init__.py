"""The HTTP API edge: pydantic bodies (models.py) and the Powertools resolver with its routes (http.py)."""

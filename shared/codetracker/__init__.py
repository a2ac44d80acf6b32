"""Codetracker: which functions each JavaScript module exports, per branch and release."""

__version__ = "0.1.0"

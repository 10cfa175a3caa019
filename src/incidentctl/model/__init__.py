"""Pydantic models of every file kind. No I/O here."""

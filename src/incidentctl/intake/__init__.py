"""Incident intake from a GitHub issue form: the form, its parser and the command's core."""

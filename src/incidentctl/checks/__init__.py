"""Checks: one module per family of rules; ``checks.run`` applies them all."""

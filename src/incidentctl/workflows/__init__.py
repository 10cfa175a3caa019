"""The GitHub Actions workflows that init writes: what they install, and editing it in place."""

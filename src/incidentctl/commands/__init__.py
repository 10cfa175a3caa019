"""Commands: plain typed functions that take a request and return an exit code."""

"""The published site: page generators, safe markup, and the engine that builds it."""

"""KPIs (SPEC 5): facts per incident, aggregates per group, renderers, charts. No I/O."""

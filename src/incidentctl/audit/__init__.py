"""The audit trail: every version of every record, replayed and checked from git."""

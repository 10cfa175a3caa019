"""incidentctl: a git repository as an ITIL incident-management system."""

__version__ = "0.1.0"

"""slametrics: SLA metrics recomputed from helpdesk ticket exports."""

__version__ = "0.1.0"

"""The disclosure service (公示): public money in the open, and period reports, kept from the domain events."""

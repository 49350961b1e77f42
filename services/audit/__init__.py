"""The audit service: every change to every record, who made it, when, from what to what, in a tamper-evident chain."""

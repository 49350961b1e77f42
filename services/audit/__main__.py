"""``python -m services.audit``: run the audit service alone."""

from services.cli import main

main(["serve", "audit"])

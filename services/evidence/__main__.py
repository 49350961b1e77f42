"""``python -m services.evidence``: run the evidence service alone."""

from services.cli import main

main(["serve", "evidence"])

"""``python -m services.claims``: run the claims service alone (its settings from the environment)."""

from services.cli import main

main(["serve", "claims"])

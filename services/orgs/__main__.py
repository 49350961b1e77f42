"""``python -m services.orgs``: run the orgs service alone (its settings from the environment)."""

from services.cli import main

main(["serve", "orgs"])

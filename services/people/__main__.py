"""``python -m services.people``: run the people service alone (its settings from the environment)."""

from services.cli import main

main(["serve", "people"])

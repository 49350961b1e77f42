"""``python -m services.notices``: run the notices service alone (its settings from the environment)."""

from services.cli import main

main(["serve", "notices"])

"""``python -m services.needs``: run the needs service alone (its settings from the environment)."""

from services.cli import main

main(["serve", "needs"])

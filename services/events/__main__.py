"""``python -m services.events``: run the events service alone."""

from services.cli import main

main(["serve", "events"])

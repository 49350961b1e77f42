"""``python -m services.disclosure``: run the disclosure service alone."""

from services.cli import main

main(["serve", "disclosure"])

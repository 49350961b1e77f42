"""``python -m services``: the ``renling`` command."""

from services.cli import main

main()

"""``python -m eots``."""

from eots.cli.main import main

main()

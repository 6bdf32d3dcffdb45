"""``python -m scraper.cli``: the same CLI as the ``pantau`` console script."""
from . import main

main()

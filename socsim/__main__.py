"""``python -m socsim``: the socsim command line."""

from socsim.cli import main

main()

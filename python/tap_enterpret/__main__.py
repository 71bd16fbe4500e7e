"""``python -m tap_enterpret``: the same as the ``tap-enterpret`` console script."""

from tap_enterpret import main

main()

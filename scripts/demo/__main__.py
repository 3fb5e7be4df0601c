"""``python -m scripts.demo``, what ``make demo`` runs."""

from scripts.demo.launcher import main

main()

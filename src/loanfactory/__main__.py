"""``python -m loanfactory`` runs the command line."""

from loanfactory.cli import main

main()

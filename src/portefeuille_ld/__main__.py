"""`python -m portefeuille_ld` runs the command line."""

from portefeuille_ld.cli import main

main()

"""`python -m jsm_openapi` runs the CLI."""

from .cli import main

main()

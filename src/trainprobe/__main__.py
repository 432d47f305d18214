"""`python -m trainprobe` = the `trainprobe` command."""

from .cli import main

main()

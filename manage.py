#!/usr/bin/env python
"""Same as the `consentry` command, for tools that expect manage.py."""

from config.cli import main

if __name__ == "__main__":
    main()

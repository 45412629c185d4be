#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cim.settings")
    if not os.environ.get("DATABASE_URL") and os.environ.get("DJANGO_ENV") != "production":
        # The embedded default: make sure its PostgreSQL is up before Django connects.
        from cim import embedded_db

        embedded_db.start()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

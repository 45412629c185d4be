"""What every benchmark needs: Django set up on the project's settings, and a database of
its own that is created for the run and dropped after it."""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cim.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


@contextmanager
def throwaway_database(suffix: str) -> Iterator[None]:
    """A fresh, migrated database named test_<name>_<suffix>, so a benchmark never
    clobbers the test suite's database; dropped afterwards."""
    setup_test_environment()
    # Only the name: replacing TEST would drop the CHARSET and friends create_test_db reads.
    connection.settings_dict["TEST"]["NAME"] = f"test_{connection.settings_dict['NAME']}_{suffix}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

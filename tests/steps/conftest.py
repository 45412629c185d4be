import pytest

from cim.models import Cohort
from tests.cim.catalog import load_2024


@pytest.fixture
def cohorts(db: None) -> dict[str, Cohort]:
    """The shipped Targeted 2024 and Intensive 2024 cohorts, keyed by tier."""
    return load_2024()

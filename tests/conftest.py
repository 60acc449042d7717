import pytest

from trackstats.models import Domain, Metric


@pytest.fixture(autouse=True)
def _forget_registrations():
    # Lazy registrations resolved in one test point at rows another test rolled back.
    yield
    Domain.objects.clear_cache()
    Metric.objects.clear_cache()

import pytest

from trackstats.models import Domain, Metric


@pytest.fixture(autouse=True)
def _forget_registrations():
    # Lazy registrations resolved in one test point at rows another test rolled back.
    yield
    Domain.objects.clear_cache()
    Metric.objects.clear_cache()


@pytest.fixture
def process_env_with_databases(tmp_path, django_db_blocker):
    """Environment for the process tests, with their databases created and dropped."""
    from tests.tasksapp.processes import create_databases, drop_databases, process_env

    env, server_databases = process_env(tmp_path)
    with django_db_blocker.unblock():
        create_databases(server_databases)
    try:
        yield env
    finally:
        with django_db_blocker.unblock():
            drop_databases(server_databases)

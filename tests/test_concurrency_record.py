"""record() of one key from several processes at once: one row, no IntegrityError."""

import multiprocessing

import pytest
from django.db import connection

from tests.concurrent_workers import record_many
from trackstats.models import Domain, Metric, StatisticByDate

WORKERS = 4
WRITES = 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_record_of_one_key_leaves_one_row():
    metric = Metric.objects.create(domain=Domain.objects.create(ref="race"), ref="hits")
    test_db_name = connection.settings_dict["NAME"]
    connection.close()
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(WORKERS)
        values = [[w * 1000 + i for i in range(WRITES)] for w in range(WORKERS)]
        with context.Pool(WORKERS) as pool:
            results = pool.starmap(
                record_many, [(test_db_name, barrier, metric.pk, v) for v in values]
            )
    assert results == ["ok"] * WORKERS, "\n".join(r for r in results if r != "ok")
    rows = list(StatisticByDate.objects.filter(metric=metric))
    assert len(rows) == 1
    # The last write of some process wins.
    assert rows[0].value in {v[-1] for v in values}

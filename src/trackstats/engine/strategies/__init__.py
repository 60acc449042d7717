"""How the statistics of each kind of period are computed, one module per strategy.

- ``day``: DAY and the calendar periods, one value per date or bucket.
- ``rolling``: rolling periods of N days.
- ``distinct``: distinct counts, rolling and LIFETIME.
- ``lifetime``: LIFETIME, from the whole history or from stored values.
- ``totals``: the running totals that rolling, distinct and LIFETIME share.

Each strategy adds its CTEs to a ``Select`` (``engine.sql``), reading the source
through ``SourceRows`` (``engine.source``); ``engine.statements.build_select`` picks
the strategy of a run.
"""

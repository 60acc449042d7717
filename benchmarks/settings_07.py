"""Settings of the benchmark process that runs django-trackstats 0.7.0 (its own virtualenv).

It uses a database of its own, filled by the same deterministic generator, because 0.7
and this project keep statistics in tables of the same names.
"""

from benchmarks.dbconfig import common_settings, database_settings

globals().update(common_settings())

DATABASES = {"default": database_settings("ts_bench_07")}
INSTALLED_APPS = ["django.contrib.contenttypes", "trackstats", "benchmarks.benchapp"]

"""Settings of the benchmark process that runs this project's trackers and the SQL floor."""

from benchmarks.dbconfig import common_settings, database_settings

globals().update(common_settings())

DATABASES = {"default": database_settings("ts_bench")}
INSTALLED_APPS = ["django.contrib.contenttypes", "trackstats", "benchmarks.benchapp"]

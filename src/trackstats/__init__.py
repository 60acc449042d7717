"""Store statistics of your Django application's own data."""

__version__ = "1.0.0.dev0"

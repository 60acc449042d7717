from django.apps import AppConfig


class TasksappConfig(AppConfig):
    """Test-only app whose stats.py registers trackers; installed by tests.settings_tasks."""

    name = "tests.tasksapp"
    label = "tasksapp"
    default_auto_field = "django.db.models.AutoField"

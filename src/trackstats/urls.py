"""URLs of the JSON API: ``path("stats/", include("trackstats.urls"))``."""

from django.urls import path

from .json_api.views import SeriesView

app_name = "trackstats"

urlpatterns = [path("series/", SeriesView.as_view(), name="series")]

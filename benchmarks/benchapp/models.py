"""The source data of the benchmark: members (the objects) and their events (the rows).

This app imports Django only, so that the django-trackstats 0.7 virtualenv loads the same
models and the same tables as this project.
"""

from django.db import models


class Member(models.Model):
    name = models.CharField(max_length=50)

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    # The composite (member, created) index below serves by-object tracking; a separate
    # index on member_id alone would be redundant.
    member = models.ForeignKey(Member, on_delete=models.CASCADE, db_index=False)
    created = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["member", "created"], name="benchapp_event_member_created")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.created}"

"""The object id helpers under the name docs/api.md gave them first.

They live in ``trackstats.object_ids``; this module keeps the documented imports
``from trackstats.objects import object_id_of, pk_to_object_id`` working.
"""

from .object_ids import object_id_of, pk_to_object_id

__all__ = ["object_id_of", "pk_to_object_id"]

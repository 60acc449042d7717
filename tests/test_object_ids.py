"""``trackstats.objects``, the name docs/api.md first gave the object id helpers."""

from trackstats import object_ids, objects


def test_the_earlier_module_name_imports_the_same_helpers() -> None:
    assert objects.object_id_of is object_ids.object_id_of
    assert objects.pk_to_object_id is object_ids.pk_to_object_id

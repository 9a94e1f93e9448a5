"""Migration 0002: an item's typed-in elevator project number becomes a foreign key when it names
a project of the topic's community, and is cleared otherwise."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from xingfuli.deliberation import services
from xingfuli.deliberation.models import ImplementationItem, Topic
from xingfuli.elevators.models import Project
from xingfuli.elevators.tests.factories import project_at, unit_with

BEFORE = [("deliberation", "0001_initial")]
AFTER = [("deliberation", "0002_item_elevator_project_fk")]


@pytest.mark.django_db(transaction=True)
def test_numbers_of_a_project_of_the_community_carry_over_the_rest_are_cleared(world):
    topic = services.topic_create(actor=world.carol, community_id=world.community.pk,
                                  title="加装电梯", kind=Topic.Kind.HARD,
                                  building_ids=[world.b1.pk])
    building, _d = unit_with(world, ["60.00"])
    ours = project_at(world, building)
    theirs = Project.objects.create(community=world.other, building=world.b_other,
                                    name="桂花湾 1 栋电梯")
    items = [ImplementationItem.objects.create(topic=topic, title=f"事项{n}", owner_label="社区")
             for n in range(4)]
    legacy = [ours.pk, theirs.pk, 999_999, None]

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("deliberation",
                                                               "ImplementationItem")
    for item, number in zip(items, legacy, strict=True):
        old.objects.filter(pk=item.pk).update(elevator_project_id=number,
                                              elevator_project_label="旧标签")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    carried = [ImplementationItem.objects.get(pk=i.pk).elevator_project_id for i in items]
    assert carried == [ours.pk, None, None, None]

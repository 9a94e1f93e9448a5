"""An implementation item links a real elevator project (a foreign key) instead of a typed-in
number and label. A number is carried over when it names a project of the topic's community;
otherwise it is cleared (the label goes: the project's own name is shown)."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def carry_over(apps: Any, schema_editor: Any) -> None:
    Item = apps.get_model("deliberation", "ImplementationItem")
    Project = apps.get_model("elevators", "Project")
    rows = list(Item.objects.filter(legacy_elevator_project_id__isnull=False)
                .values_list("pk", "legacy_elevator_project_id", "topic__community_id"))
    community_of = dict(Project.objects.filter(pk__in=[r[1] for r in rows])
                        .values_list("pk", "community_id"))
    for pk, project_id, community_id in rows:
        if community_of.get(project_id) == community_id:
            Item.objects.filter(pk=pk).update(elevator_project_id=project_id)


class Migration(migrations.Migration):

    dependencies = [
        ("deliberation", "0001_initial"),
        ("elevators", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(
            model_name="implementationitem",
            old_name="elevator_project_id",
            new_name="legacy_elevator_project_id",
        ),
        migrations.AddField(
            model_name="implementationitem",
            name="elevator_project",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="+", to="elevators.project", verbose_name="elevator project",
            ),
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.RemoveField(model_name="implementationitem",
                               name="legacy_elevator_project_id"),
        migrations.RemoveField(model_name="implementationitem", name="elevator_project_label"),
    ]

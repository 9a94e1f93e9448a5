"""Shares go by area unless the owners agreed a floor table (RULES.md; Civil Code Art. 283).

Before, the floor method with no table silently applied the default table. A project of that kind
whose shares were already computed keeps them: the coefficients its shares were computed with
are written down as its table (that is the plan its owners saw). One with no shares yet goes by
area."""

from typing import Any

from django.db import migrations, models

KINDS = (("construction", "sharing_method", "floor_coefficients"),
         ("maintenance", "maintenance_method", "maintenance_coefficients"))


def record_tables(apps: Any, schema_editor: Any) -> None:
    Project = apps.get_model("elevators", "Project")
    CostShare = apps.get_model("elevators", "CostShare")
    for kind, method, table in KINDS:
        for project in Project.objects.filter(**{method: "floor", table: {}}):
            used = {str(floor): str(coef) for floor, coef in CostShare.objects.filter(
                project=project, kind=kind).values_list("dwelling__floor", "coefficient")}
            if used:
                setattr(project, table, used)
                project.save(update_fields=[table])
            else:
                setattr(project, method, "area")
                project.save(update_fields=[method])


class Migration(migrations.Migration):

    dependencies = [
        ("elevators", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="project",
            name="maintenance_method",
            field=models.CharField(choices=[("floor", "agreed floor coefficients × area"), ("area", "in proportion to area (no agreement)")], default="area", max_length=8, verbose_name="maintenance sharing"),
        ),
        migrations.AlterField(
            model_name="project",
            name="sharing_method",
            field=models.CharField(choices=[("floor", "agreed floor coefficients × area"), ("area", "in proportion to area (no agreement)")], default="area", max_length=8, verbose_name="cost sharing"),
        ),
        migrations.RunPython(record_tables, migrations.RunPython.noop),
    ]

"""The key-group tags 低边 (near-低保, low income) and 计划生育特殊家庭, which RULES.md names
among the elderly canteen's priority groups: created where the tags are rows already."""

from django.db import migrations

NEW_TAGS = (
    ("low_income", "低边"),
    ("family_planning", "计划生育特殊家庭"),
)


def add_tags(apps, schema_editor):
    Tag = apps.get_model("registry", "Tag")
    for code, name in NEW_TAGS:
        Tag.objects.get_or_create(code=code, defaults={
            "name": name, "is_key_group": True, "is_sensitive": True})


def remove_tags(apps, schema_editor):
    Tag = apps.get_model("registry", "Tag")
    Tag.objects.filter(code__in=[code for code, _name in NEW_TAGS],
                       residents__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0003_alter_building_unit_count"),
    ]

    operations = [
        migrations.RunPython(add_tags, remove_tags),
    ]

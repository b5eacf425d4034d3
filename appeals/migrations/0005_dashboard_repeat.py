from datetime import timedelta

from django.db import migrations, models

# appeals.figures.REPEAT_WINDOW, frozen here as the migration's own.
REPEAT_WINDOW = timedelta(days=30)


def backfill_is_repeat(apps, schema_editor):
    """Existing appeals: a repeat if one of the same place and category was resolved in the 30
    days before it was submitted (what the dashboard computed per request until now)."""
    Appeal = apps.get_model("appeals", "Appeal")
    earlier = Appeal.objects.filter(
        grid_path=models.OuterRef("grid_path"),
        category=models.OuterRef("category"),
        resolved_at__gte=models.OuterRef("created_at") - REPEAT_WINDOW,
        resolved_at__lt=models.OuterRef("created_at"),
    ).exclude(pk=models.OuterRef("pk"))
    Appeal.objects.filter(models.Exists(earlier)).update(is_repeat=True)


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0004_appeal_petition_deadline_appeal_petition_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="appeal",
            name="is_repeat",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(backfill_is_repeat, migrations.RunPython.noop),
    ]

from django.db import migrations, models
from django.db.models import F


def mark_linked_used(apps, schema_editor):
    """Uploads an appeal already carries are used."""
    AppealAttachment = apps.get_model("appeals", "AppealAttachment")
    AppealAttachment.objects.filter(appeal__isnull=False, used_at__isnull=True).update(used_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0005_dashboard_repeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="appealattachment",
            name="used_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_linked_used, migrations.RunPython.noop),
    ]

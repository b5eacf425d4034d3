import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def mark_photos_used(apps, schema_editor):
    """Uploads a topic or a post already carries are used (appeals.attachments.claim_uploads)."""
    Photo = apps.get_model("consultations", "Photo")
    AppealAttachment = apps.get_model("appeals", "AppealAttachment")
    taken = Photo.objects.values("attachment_id")
    AppealAttachment.objects.filter(pk__in=taken, used_at__isnull=True).update(used_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0006_attachment_used_at"),
        ("consultations", "0003_meeting_reservation_meeting_station"),
    ]

    operations = [
        migrations.AddField(
            model_name="moderationlog",
            name="photo",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="moderation_logs",
                to="consultations.photo",
            ),
        ),
        migrations.AlterField(
            model_name="photo",
            name="check_status",
            field=models.CharField(
                choices=[("pending", "审核中"), ("review", "待人工审核"), ("pass", "通过"), ("risky", "不通过")],
                default="pending",
                max_length=8,
            ),
        ),
        migrations.RunPython(mark_photos_used, migrations.RunPython.noop),
    ]

# The meeting marks (registration, check-in, approval of the minutes) share one abstract base
# (MeetingMark): a registration's time is `at` like the others', and the one-per-person
# constraints take the base's name pattern. No data changes.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0003_meeting_reservation_meeting_station"),
    ]

    operations = [
        migrations.RenameField(model_name="meetingregistration", old_name="created_at", new_name="at"),
        migrations.RemoveConstraint(model_name="meetingregistration", name="meeting_registration_once"),
        migrations.AddConstraint(
            model_name="meetingregistration",
            constraint=models.UniqueConstraint(fields=("meeting", "user"), name="meetingregistration_once"),
        ),
        migrations.RemoveConstraint(model_name="checkin", name="meeting_check_in_once"),
        migrations.AddConstraint(
            model_name="checkin",
            constraint=models.UniqueConstraint(fields=("meeting", "user"), name="checkin_once"),
        ),
        migrations.RemoveConstraint(model_name="minutesapproval", name="minutes_approval_once"),
        migrations.AddConstraint(
            model_name="minutesapproval",
            constraint=models.UniqueConstraint(fields=("meeting", "user"), name="minutesapproval_once"),
        ),
    ]

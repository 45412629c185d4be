from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("steps", "0006_adlupload_started_failure"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="activity_versions",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]

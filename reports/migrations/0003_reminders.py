# Reminders of CIM work coming due or overdue, and the daily digests that carry them
# (reports/models/reminders.py). Written by hand from makemigrations' output, keeping
# only the reminder models, plus the schedule's one row and the CDE administrators'
# permissions on these models for role groups that existed before them.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CDE_ADMIN_PERMISSIONS = (
    "view_reminderschedule",
    "change_reminderschedule",
    "view_digest",
    "view_reminder",
)


def schedule_and_grants(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    apps.get_model("reports", "ReminderSchedule").objects.get_or_create(pk=1)
    # Permissions are otherwise created after the last migration; the grant needs them now.
    config = apps.get_app_config("reports")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Organization = apps.get_model("lea", "Organization")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(
        Permission.objects.filter(
            content_type__app_label="reports", codename__in=CDE_ADMIN_PERMISSIONS
        )
    )
    names = [f"org-{pk}-cde_admin" for pk in Organization.objects.filter(kind="cde").values_list("pk", flat=True)]
    for group in Group.objects.filter(name__in=names):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):

    dependencies = [
        ('lea', '0003_user_reminder_digests'),
        ('reports', '0002_rendered_pdfs'),
        ('steps', '0005_submission_label_and_reports'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Digest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(max_length=254)),
                ('day', models.DateField(help_text='The California day of the sweep that queued it.')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed')], default='queued', max_length=8)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('error', models.TextField(blank=True, help_text='Why the last attempt did not send it.')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('invitation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='lea.invitation')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ('-day', 'email'),
            },
        ),
        migrations.CreateModel(
            name='Reminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('due_soon', 'Coming due'), ('overdue', 'Overdue'), ('escalation', 'Overdue at an LEA you review'), ('no_contact', 'Nobody at the LEA to remind')], max_length=12)),
                ('due_date', models.DateField()),
                ('days', models.SmallIntegerField()),
                ('recipient_email', models.EmailField(max_length=254)),
                ('lea_name', models.CharField(max_length=200)),
                ('title', models.CharField(max_length=300)),
                ('path', models.CharField(max_length=300)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('digest', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='reports.digest')),
                ('record', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='steps.activityrecord')),
            ],
            options={
                'ordering': ('due_date', 'lea_name', 'title'),
            },
        ),
        migrations.CreateModel(
            name='ReminderSchedule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('offsets', models.CharField(blank=True, default='30, 14, 7, 1', help_text='The people who owe the work are reminded this many days before its due date, e.g. 30, 14, 7, 1 (empty: no reminders before the due date).', max_length=100, verbose_name='days before the due date')),
                ('overdue_repeat_days', models.PositiveSmallIntegerField(default=7, help_text='The overdue notice (and the escalation to the reviewer) goes out the day after the due date, then again every this many days while the work is still owed. 0 sends it once.')),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'reminder schedule',
                'verbose_name_plural': 'reminder schedule',
                'constraints': [models.CheckConstraint(condition=models.Q(('pk', 1)), name='reminder_schedule_singleton')],
            },
        ),
        migrations.AddIndex(
            model_name='digest',
            index=models.Index(fields=['status', 'day'], name='digest_status_day'),
        ),
        migrations.AddConstraint(
            model_name='digest',
            constraint=models.UniqueConstraint(fields=('email', 'day'), name='digest_one_per_email_day'),
        ),
        migrations.AddIndex(
            model_name='reminder',
            index=models.Index(condition=models.Q(('digest__isnull', True)), fields=['recipient_email'], name='reminder_unsent'),
        ),
        migrations.AddConstraint(
            model_name='reminder',
            constraint=models.CheckConstraint(condition=models.Q(('record__isnull', False)), name='reminder_has_item'),
        ),
        migrations.AddConstraint(
            model_name='reminder',
            constraint=models.UniqueConstraint(condition=models.Q(('record__isnull', False)), fields=('record', 'kind', 'days', 'due_date', 'recipient_email'), name='reminder_once_per_record'),
        ),
        migrations.RunPython(schedule_and_grants, migrations.RunPython.noop),
    ]

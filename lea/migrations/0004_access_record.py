"""The access record (issue 13): a row per read of an LEA's CIM records, and a trigger
that makes the table append-only. UPDATE is always refused; DELETE only of rows older
than the cutoff the retention sweep sets for its own transaction
(`set_config('cim.access_record_purge_before', <timestamp>, true)`). Row triggers do
not fire on TRUNCATE, which the test runner's flush uses."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


APPEND_ONLY = """
CREATE FUNCTION lea_accessrecord_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    purge_before text := current_setting('cim.access_record_purge_before', true);
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(purge_before, '') <> ''
            AND OLD.at < purge_before::timestamptz THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'The access record is append-only: % of row % refused.', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER lea_accessrecord_append_only
    BEFORE UPDATE OR DELETE ON lea_accessrecord
    FOR EACH ROW EXECUTE FUNCTION lea_accessrecord_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS lea_accessrecord_append_only ON lea_accessrecord;
DROP FUNCTION IF EXISTS lea_accessrecord_append_only();
"""


def grant_view_to_cde_admins(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """CDE administrators' existing role groups get the new view permission (new groups
    get it from lea.services.CDE_GLOBAL_PERMISSIONS). Permissions are made after
    migrations, so this one is made here first, as Django would make it."""
    content_type, _ = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="lea", model="accessrecord"
    )
    permission, _ = apps.get_model("auth", "Permission").objects.get_or_create(
        content_type=content_type,
        codename="view_accessrecord",
        defaults={"name": "Can view access record"},
    )
    groups = apps.get_model("auth", "Group").objects.filter(name__regex=r"^org-[0-9]+-cde_admin$")
    for group in groups:
        group.permissions.add(permission)


class Migration(migrations.Migration):

    dependencies = [
        ('lea', '0003_user_reminder_digests'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('workspace', 'Workspace'), ('activity', 'Activity'), ('activity_history', 'History of an activity'), ('submission_checklist', 'What a submission needs'), ('submission_version', 'Submission version and comments'), ('pdf', 'PDF'), ('progress_reports', 'Progress reports and team meetings'), ('progress_report', 'Progress report'), ('team_meeting', 'CIM team meeting'), ('calendar', 'Deadlines calendar'), ('status_export', 'Status export'), ('status_grid_export', 'Status grid export')], max_length=24, verbose_name='what')),
                ('object_id', models.CharField(blank=True, max_length=64)),
                ('object_repr', models.CharField(blank=True, max_length=300, verbose_name='which')),
                ('path', models.CharField(max_length=500)),
                ('client_address', models.CharField(blank=True, max_length=64, verbose_name='from')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='lea.organization', verbose_name='LEA')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ('-at', '-pk'),
                'default_permissions': ('view',),
                'indexes': [models.Index(fields=['organization', '-at'], name='accessrecord_lea_at'), models.Index(fields=['at'], name='accessrecord_at')],
            },
        ),
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
        migrations.RunPython(grant_view_to_cde_admins, migrations.RunPython.noop),
    ]

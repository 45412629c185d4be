from django.db import migrations

OLD = "Step due dates assumed the same as Targeted 2024 (inferred)."
NEW = "The step due dates are inferred from the Targeted guidance; to be confirmed by CDE."


def intensive_note_in_its_own_words(apps, schema_editor):
    """The Intensive 2024 cohort loaded before the catalog said its due dates in the
    inferred marker's words (a routine load_catalog keeps existing rows): its LEAs' pages
    no longer carry the Targeted cohort's name. A note an administrator edited is kept."""
    Cohort = apps.get_model("cim", "Cohort")
    Cohort.objects.filter(key="intensive_2024", deadlines_note=OLD).update(deadlines_note=NEW)


class Migration(migrations.Migration):
    dependencies = [
        ("cim", "0008_cohort_mailbox_copy"),
    ]

    operations = [
        migrations.RunPython(intensive_note_in_its_own_words, migrations.RunPython.noop),
    ]

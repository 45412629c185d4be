"""The SPP/APR Part B indicators (IDEA section 616, FFY 2020-2025 package).

They are federal and change only with a new SPP/APR package, so they ship with the
schema; a CDE administrator can still correct names in the admin.
"""

from django.db import migrations

INDICATORS = [
    ("1", "Graduation", "youth with IEPs exiting with a regular diploma", "results"),
    ("2", "Dropout", "youth with IEPs exiting by dropping out", "results"),
    ("3A", "Assessment participation", "participation in reading and math assessments", "results"),
    ("3B", "Proficiency (grade-level)", "proficient against grade-level standards", "results"),
    ("3C", "Proficiency (alternate)", "proficient against alternate standards", "results"),
    ("3D", "Proficiency gap", "gap between students with IEPs and all students", "results"),
    ("4A", "Suspension and expulsion", "discrepancy in suspensions over 10 days", "results"),
    (
        "4B",
        "Suspension and expulsion by race/ethnicity",
        "discrepancy by race/ethnicity with noncompliant policies or practices",
        "compliance",
    ),
    ("5A", "Regular class 80% or more", "ages 5-21 in regular class 80% or more of the day", "results"),
    ("5B", "Regular class less than 40%", "ages 5-21 in regular class under 40% of the day", "results"),
    ("5C", "Separate settings", "separate school, residential facility or home/hospital", "results"),
    ("6A", "Preschool regular program", "ages 3-5 with most services in a regular program", "results"),
    ("6B", "Preschool separate settings", "ages 3-5 in a separate class, school or facility", "results"),
    ("6C", "Preschool at home", "ages 3-5 receiving services at home", "results"),
    ("7A", "Preschool outcomes: social-emotional", "positive social-emotional skills", "results"),
    ("7B", "Preschool outcomes: knowledge and skills", "acquiring knowledge and skills", "results"),
    ("7C", "Preschool outcomes: behavior", "appropriate behaviors to meet needs", "results"),
    ("8", "Parent involvement", "parents reporting that schools facilitated involvement", "results"),
    ("9", "Disproportionality overall", "disproportionate representation from identification", "compliance"),
    ("10", "Disproportionality by disability", "same, within disability categories", "compliance"),
    ("11", "Child find", "evaluated within 60 days of parental consent", "compliance"),
    ("12", "Early childhood transition", "Part C referrals with an IEP by the third birthday", "compliance"),
    ("13", "Secondary transition", "youth 16+ with IEP transition goals and services", "compliance"),
    ("14", "Post-school outcomes", "higher education or employment within one year", "results"),
    ("15", "Resolution sessions", "resolution sessions ending in settlement", "results"),
    ("16", "Mediation", "mediations ending in agreements", "results"),
    ("17", "State Systemic Improvement Plan", "the state-identified measurable result", "results"),
]


def add_indicators(apps, schema_editor):
    Indicator = apps.get_model("cim", "Indicator")
    for position, (code, name, measures, kind) in enumerate(INDICATORS, start=1):
        Indicator.objects.update_or_create(
            code=code,
            defaults={"name": name, "measures": measures, "kind": kind, "position": position},
        )


class Migration(migrations.Migration):
    dependencies = [("cim", "0001_initial")]

    operations = [migrations.RunPython(add_indicators, migrations.RunPython.noop)]

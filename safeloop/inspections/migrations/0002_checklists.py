"""Load the shipped checklist templates of the seven key sectors (inspections/checklists_data.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from safeloop.inspections.checklists_data import load_checklists

    load_checklists(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0001_initial"),
        ("hazards", "0002_criteria_and_deadlines"),
        ("orgs", "0002_reference_data"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

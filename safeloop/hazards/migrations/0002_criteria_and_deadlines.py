from django.db import migrations

from safeloop.hazards import criteria


def load(apps, schema_editor):
    criteria.load_criteria(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("hazards", "0001_initial"), ("orgs", "0002_reference_data")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

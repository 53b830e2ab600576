from django.db import migrations

from safeloop.orgs import reference


def load(apps, schema_editor):
    reference.load(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

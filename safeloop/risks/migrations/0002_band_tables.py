from django.db import migrations


def load(apps, schema_editor):
    from safeloop.risks.bands import load_band_tables

    load_band_tables(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("risks", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

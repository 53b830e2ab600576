from django.db import migrations, models

from safeloop.orgs import reference


def fill_codes(apps, schema_editor):
    Zone = apps.get_model("orgs", "FunctionalZone")
    codes = {row["zone"]: row["code"] for row in reference._rows("zones.csv")}
    for zone in Zone.objects.all():
        zone.code = codes.get(zone.name) or f"zone-{zone.pk}"
        zone.save(update_fields=["code"])


class Migration(migrations.Migration):
    dependencies = [("orgs", "0003_enterprise_import")]

    operations = [
        # Added without an index, then made unique: on PostgreSQL an indexed SlugField altered to
        # unique would create its `_like` index a second time.
        migrations.AddField(
            model_name="functionalzone", name="code", field=models.CharField(default="", max_length=32, verbose_name="code")
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="functionalzone",
            name="code",
            field=models.SlugField(max_length=32, unique=True, verbose_name="code"),
        ),
    ]

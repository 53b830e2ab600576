# The 四色图's two reads (risks/maps.py), measured by bench/risk_map.py at 150k points: point_features reads
# its highest-level points in order from risk_point_map_order instead of sorting the whole scope, and
# level_summary's GROUP BY becomes an index-only scan of risk_point_map_summary.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("risks", "0003_riskimport"),
    ]

    operations = [
        # Covered by risk_point_map_summary (same leading columns; the register reads active points).
        migrations.RemoveIndex(model_name="riskpoint", name="risk_point_division_level"),
        migrations.AddIndex(
            model_name="riskpoint",
            index=models.Index(
                models.Case(
                    models.When(current_level="major", then=models.Value(0)),
                    models.When(current_level="significant", then=models.Value(1)),
                    models.When(current_level="general", then=models.Value(2)),
                    models.When(current_level="low", then=models.Value(3)),
                    default=models.Value(4),
                    output_field=models.IntegerField(),
                ),
                models.F("code"),
                condition=models.Q(("active", True)),
                name="risk_point_map_order",
            ),
        ),
        migrations.AddIndex(
            model_name="riskpoint",
            index=models.Index(
                condition=models.Q(("active", True)),
                fields=["division", "current_level", "id"],
                name="risk_point_map_summary",
            ),
        ),
    ]

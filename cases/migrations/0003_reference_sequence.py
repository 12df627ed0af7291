from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]
    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS case_reference_seq START 1",
            "DROP SEQUENCE IF EXISTS case_reference_seq",
        )
    ]

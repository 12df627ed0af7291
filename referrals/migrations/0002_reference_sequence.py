from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]
    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS referral_reference_seq START 1",
            "DROP SEQUENCE IF EXISTS referral_reference_seq",
        )
    ]

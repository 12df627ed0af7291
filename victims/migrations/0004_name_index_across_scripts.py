"""Re-index every person's names with the terms of issue 6: folded letter variants, and the
phonetic keys that find a name across scripts and spellings (victims/names.py, "k:" terms).

The same as `manage.py rotate_blind_index`, run once here so that existing persons are found by the
new terms; names are decrypted in memory only. Reversing leaves the index as it is (the older code
ignores the terms it does not know; run `manage.py rotate_blind_index` after going back)."""

from django.db import migrations


def rebuild(apps, schema_editor):
    from glo_act.crypto_rows import rebuild_name_index

    rebuild_name_index(batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("victims", "0003_drop_plain_search_names"),
    ]

    operations = [
        migrations.RunPython(rebuild, migrations.RunPython.noop),
    ]

"""The plain search column goes (its job is done by the blind index filled in 0002), and the blind
index gets its GIN index. Apart from 0002 so that no table change follows that migration's row
updates in one transaction."""

import django.contrib.postgres.indexes
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("victims", "0002_encrypt_identifying_fields"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="person",
            name="person_search_trgm",
        ),
        migrations.RemoveField(
            model_name="person",
            name="search_names",
        ),
        migrations.AddIndex(
            model_name="person",
            index=django.contrib.postgres.indexes.GinIndex(fields=["name_index"], name="person_name_index"),
        ),
    ]

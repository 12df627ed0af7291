from django.db import migrations

from partners.geodata import PROGRAMME_COUNTRIES, PROVINCES


def load(apps, schema_editor):
    import pycountry

    Country = apps.get_model("partners", "Country")
    Province = apps.get_model("partners", "Province")
    rows = []
    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        order = PROGRAMME_COUNTRIES.index(c.alpha_2) if c.alpha_2 in PROGRAMME_COUNTRIES else 100
        rows.append(
            Country(code=c.alpha_2, alpha3=c.alpha_3, name=name, is_programme_country=order < 100, sort_order=order)
        )
    Country.objects.bulk_create(rows, ignore_conflicts=True)
    for code, names in PROVINCES.items():
        Province.objects.bulk_create([Province(country_id=code, name=n) for n in names], ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

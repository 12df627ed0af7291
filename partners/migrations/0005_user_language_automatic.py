"""Issue 6: User.language "" means automatic (the language of the country of the user's agencies).

Every existing "en" was the old default, not a choice (the account page had no language picker), so
it becomes automatic too.
"""

from django.db import migrations, models


def english_to_automatic(apps, schema_editor):
    apps.get_model("partners", "User").objects.filter(language="en").update(language="")


def automatic_to_english(apps, schema_editor):
    apps.get_model("partners", "User").objects.filter(language="").update(language="en")


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0004_user_calendar"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="language",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Automatic (the language of your agency's country)"),
                    ("en", "English"),
                    ("fa", "فارسی"),
                    ("fa-af", "دری"),
                    ("ps", "پښتو"),
                    ("ar", "العربية"),
                    ("ckb", "کوردیی ناوەندی"),
                    ("ur", "اردو"),
                ],
                default="",
                help_text="The language of the interface and of the e-mails the user receives.",
                max_length=10,
                verbose_name="language",
            ),
        ),
        migrations.RunPython(english_to_automatic, automatic_to_english),
    ]

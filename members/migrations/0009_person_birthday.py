"""Person.birthday: the full birth date ages are counted from, filled from the 身份证号 of existing people."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from members.birth import full_birth_date

    Person = apps.get_model("members", "Person")
    batch = []
    for person in Person.objects.only("pk", "id_number", "birth_date").iterator(chunk_size=2000):
        person.birthday = full_birth_date(person.id_number, person.birth_date)
        batch.append(person)
        if len(batch) >= 2000:
            Person.objects.bulk_update(batch, ["birthday"])
            batch = []
    if batch:
        Person.objects.bulk_update(batch, ["birthday"])


class Migration(migrations.Migration):
    dependencies = [("members", "0008_selection_register_candidates_meetings")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="birthday",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="出生日期"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

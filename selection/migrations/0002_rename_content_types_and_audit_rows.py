"""Rows that name the moved models by their old app follow them.

Content types (and so permissions) of the moved models are renamed rather than recreated, and
audit events recorded as members.meeting, members.certificate, ... now name selection.meeting,
selection.certificate, ..., so a history panel keeps finding them.
"""

from django.db import migrations

MOVED = ["womenorganisation", "registerentry", "meeting", "candidate", "filing", "certificate", "certificatecounter"]
# The certificates lived in reports before members (returns 0002 renames those rows; whichever of the two
# runs first, the rows end here).
EARLIER = {"certificate": ["reports"], "certificatecounter": ["reports"]}


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("orgtree", "AuditEvent")
    for model in MOVED:
        for app in ["members", *EARLIER.get(model, [])]:
            old = ContentType.objects.filter(app_label=app, model=model).first()
            if old is not None:
                if ContentType.objects.filter(app_label="selection", model=model).exists():
                    old.delete()
                else:
                    old.app_label = "selection"
                    old.save(update_fields=["app_label"])
            AuditEvent.objects.filter(object_type=f"{app}.{model}").update(object_type=f"selection.{model}")


def backwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("orgtree", "AuditEvent")
    for model in MOVED:
        ContentType.objects.filter(app_label="selection", model=model).update(app_label="members")
        AuditEvent.objects.filter(object_type=f"selection.{model}").update(object_type=f"members.{model}")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("orgtree", "0001_initial"),
        ("selection", "0001_initial"),
        ("members", "0011_models_moved_to_selection"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

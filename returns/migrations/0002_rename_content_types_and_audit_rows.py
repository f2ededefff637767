"""Rows that name the moved models by their old app follow them.

Content types (and so permissions) of the moved models are renamed rather than recreated, and
audit events recorded as reports.return / reports.certificate now name returns.return and
members.certificate, so a history panel keeps finding them.
"""

from django.db import migrations

MOVED = {
    "campaign": "returns",
    "campaignform": "returns",
    "return": "returns",
    "returnsnapshot": "returns",
    "returnevent": "returns",
    "notification": "returns",
    "certificate": "members",
    "certificatecounter": "members",
}


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("orgtree", "AuditEvent")
    for model, app in MOVED.items():
        old = ContentType.objects.filter(app_label="reports", model=model).first()
        if old is not None:
            if ContentType.objects.filter(app_label=app, model=model).exists():
                old.delete()
            else:
                old.app_label = app
                old.save(update_fields=["app_label"])
        AuditEvent.objects.filter(object_type=f"reports.{model}").update(object_type=f"{app}.{model}")


def backwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("orgtree", "AuditEvent")
    for model, app in MOVED.items():
        ContentType.objects.filter(app_label=app, model=model).update(app_label="reports")
        AuditEvent.objects.filter(object_type=f"{app}.{model}").update(object_type=f"reports.{model}")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("orgtree", "0001_initial"),
        ("returns", "0001_initial"),
        ("reports", "0003_models_moved_to_returns_and_members"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

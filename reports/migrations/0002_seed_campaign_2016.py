"""Seed the 2016 campaign of 哈妇发〔2016〕8号 with its due dates (issue 5)."""

import datetime

from django.db import migrations

DOC_NUMBER = "哈妇发〔2016〕8号"
TITLE = "扩大基层妇联组织成员工作"
BASELINE = datetime.date(2016, 6, 2)
CUT_OFF = datetime.date(2016, 8, 31)
# 附表1 at once; 附表2/3 by 6-20; the pilot units' report by 6-25; 附表4/5 after the cut-off.
DUE_DATES = {
    "1": datetime.date(2016, 6, 10),
    "2": datetime.date(2016, 6, 20),
    "3": datetime.date(2016, 6, 20),
    "pilot": datetime.date(2016, 6, 25),
    "4": datetime.date(2016, 9, 20),
    "5": datetime.date(2016, 9, 20),
}


def seed(apps, schema_editor):
    """Idempotent, so tests may call it again after a transactional test flushed the tables."""
    Campaign = apps.get_model("reports", "Campaign")
    CampaignForm = apps.get_model("reports", "CampaignForm")
    campaign, _ = Campaign.objects.get_or_create(
        doc_number=DOC_NUMBER,
        defaults={"title": TITLE, "baseline_date": BASELINE, "cut_off_date": CUT_OFF},
    )
    for form_no, due in DUE_DATES.items():
        CampaignForm.objects.get_or_create(campaign=campaign, form_no=form_no, defaults={"due_date": due})


def unseed(apps, schema_editor):
    Campaign = apps.get_model("reports", "Campaign")
    Campaign.objects.filter(doc_number=DOC_NUMBER, returns__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]

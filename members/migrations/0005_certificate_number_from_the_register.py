"""One certificate number: the register's.

Post.certificate_no and Post.certificate_date could disagree with members.Certificate, and the
roster export showed the stale one. Numbers typed on posts that the register does not know are
recorded in it as typed (no year or sequence); a number the register already gives another post
is not copied, and the post's note says so, so nothing is lost silently.
"""

from django.db import migrations, models




def record_typed_numbers(apps, schema_editor):
    Post = apps.get_model("members", "Post")
    Certificate = apps.get_model("members", "Certificate")
    taken = set(Certificate.objects.values_list("number", flat=True))
    registered = set(Certificate.objects.values_list("post_id", flat=True))
    posts = (
        Post.objects.exclude(certificate_no="")
        .exclude(pk__in=registered)
        .select_related("unit", "unit__parent")
        .order_by("pk")
    )
    for post in posts.iterator():
        number = post.certificate_no.strip()
        if number in taken:
            post.note = f"{post.note}；原证书编号 {number} 与证书登记簿重复，未登记".lstrip("；")[:200]
            post.save(update_fields=["note"])
            continue
        Certificate.objects.create(
            post=post,
            kind="volunteer" if post.mode == "volunteer" else "appointment",
            issuing_unit=post.unit.parent or post.unit,
            number=number,
            issued_on=post.certificate_date or post.start_date,
        )
        taken.add(number)


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0004_certificate_moved_from_reports'),
    ]

    operations = [
        migrations.AlterField(
            model_name='certificate',
            name='seq',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='序号'),
        ),
        migrations.AlterField(
            model_name='certificate',
            name='year',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='年度'),
        ),
        migrations.RunPython(record_typed_numbers, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='post',
            name='certificate_date',
        ),
        migrations.RemoveField(
            model_name='post',
            name='certificate_no',
        ),
    ]

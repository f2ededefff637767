"""任职证书 and 聘任证书 (哈妇发〔2016〕8号: "由上一级妇联颁发").

The federation one level above the post's unit issues the certificate. Numbers run 0001, 0002 …
per issuing unit and year ("2016-230102-0001") and are allocated under a row lock on the
counter, so two clerks numbering at once can neither skip nor repeat a number.

The number is stored on reports.Certificate, not on members.Post.certificate_no: members/ is the
roster feature's code, and the certificate register needs its own uniqueness rules anyway.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from fedorg.dates import cn_date
from orgtree.models import AuditEvent

from .models import Certificate, CertificateCounter, Post

APPOINTMENT_ROLES = [
    Post.Role.CHAIR,
    Post.Role.VICE_CHAIR,
    Post.Role.STANDING,
    Post.Role.EXECUTIVE,
    Post.Role.DIRECTOR,
    Post.Role.DEPUTY_DIRECTOR,
    Post.Role.MEMBER,
]


def kind_for(post):
    """聘任证书 for volunteers, 任职证书 for committee posts, none for delegates."""
    if post.role not in APPOINTMENT_ROLES:
        return None
    if post.mode == Post.Mode.VOLUNTEER:
        return Certificate.Kind.VOLUNTEER
    return Certificate.Kind.APPOINTMENT


def is_eligible(post):
    return kind_for(post) is not None


def issuing_unit_for(unit):
    """The parent federation; a root unit (a city) issues its own."""
    return unit.parent if unit.parent_id else unit


def eligible_posts(unit, *, on):
    """Current committee posts of `unit` on `on`, highest post first, then by name."""
    posts = (
        Post.objects.current(on=on)
        .filter(unit=unit, role__in=APPOINTMENT_ROLES)
        .select_related("person", "unit", "unit__parent")
    )
    return posts.order_by("role", "person__name", "pk")


def _print_order(posts):
    return sorted(posts, key=lambda p: (p.rank, p.person.name, p.pk))


def has_certificate(post):
    try:
        return post.certificate is not None
    except Certificate.DoesNotExist:
        return False


@transaction.atomic
def issue_certificates(*, posts, actor, issued_on):
    """Number every post in `posts` that has no certificate yet; returns the new certificates."""
    posts = [p for p in _print_order(posts) if not has_certificate(p)]
    ineligible = [p for p in posts if not is_eligible(p)]
    if ineligible:
        names = "、".join(f"{p.person.name}（{p.get_role_display()}）" for p in ineligible)
        raise ValidationError(f"这些任职不发证书（代表不发证）：{names}。")
    by_issuer = {}
    for post in posts:
        by_issuer.setdefault(issuing_unit_for(post.unit), []).append(post)
    issued = []
    for issuer, group in by_issuer.items():
        counter, _ = CertificateCounter.objects.select_for_update().get_or_create(
            issuing_unit=issuer, year=issued_on.year
        )
        first = counter.last_seq + 1
        # Compare-and-set on top of the row lock: if anything moved the counter, stop rather than repeat.
        moved = CertificateCounter.objects.filter(pk=counter.pk, last_seq=counter.last_seq).update(
            last_seq=counter.last_seq + len(group)
        )
        if moved != 1:
            raise ValidationError("证书编号正在被他人分配，请稍后重试。")
        for seq, post in enumerate(group, start=first):
            certificate = Certificate.objects.create(
                post=post,
                kind=kind_for(post),
                issuing_unit=issuer,
                year=issued_on.year,
                seq=seq,
                number=f"{issued_on.year}-{issuer.code}-{seq:04d}",
                issued_on=issued_on,
                issued_by=actor,
            )
            AuditEvent.objects.record(
                actor=actor,
                action="certificate.issue",
                unit=post.unit,
                obj=post,
                changes={
                    "certificate_no": [None, certificate.number],
                    "certificate_date": [None, str(issued_on)],
                    "kind": [None, certificate.get_kind_display()],
                },
            )
            post.certificate = certificate
            issued.append(certificate)
    return issued


def pages(posts, *, issuer):
    """One printable page per numbered certificate, in print order."""
    result = []
    for post in _print_order(posts):
        if not has_certificate(post):
            continue
        certificate = post.certificate
        role = post.get_role_display()
        if certificate.kind == Certificate.Kind.VOLUNTEER:
            body = f"兹聘请{post.person.name}同志为{post.unit.name}{role}（志愿者）。"
        else:
            body = f"{post.person.name}同志任{post.unit.name}{role}。"
        result.append(
            {
                "certificate": certificate,
                "title": certificate.get_kind_display(),
                "body": body,
                "since": cn_date(post.start_date),
                "issuer": issuer,
                "issued_on": cn_date(certificate.issued_on),
            }
        )
    return result

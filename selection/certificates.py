"""任职证书 and 聘任证书 (哈妇发〔2016〕8号: "由上一级妇联颁发").

The federation one level above the post's unit issues the certificate. Numbers run 0001, 0002 …
per issuing unit and year ("2016-230102-0001") and are allocated under a row lock on the
counter, so two clerks numbering at once can neither skip nor repeat a number.

selection.Certificate is the one register of numbers: a post's 证书编号 (Post.certificate_no) reads
it. A number typed by hand (a roster import of certificates issued on paper) is recorded in the
register as typed, and only when the register does not already give it to another post.
"""

import base64
import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string

from fedorg.dates import cn_date
from fedorg.pdf import html_to_pdf
from members.models import Post
from orgtree.models import AuditEvent, Unit

from .models import Certificate, CertificateCounter

APPOINTMENT_ROLES = [
    Post.Role.CHAIR,
    Post.Role.VICE_CHAIR,
    Post.Role.STANDING,
    Post.Role.EXECUTIVE,
    Post.Role.DIRECTOR,
    Post.Role.DEPUTY_DIRECTOR,
    Post.Role.MEMBER,
]


def kind_for(post: Post) -> Certificate.Kind | None:
    """聘任证书 for volunteers, 任职证书 for committee posts, none for delegates."""
    if post.role not in APPOINTMENT_ROLES:
        return None
    if post.mode == Post.Mode.VOLUNTEER:
        return Certificate.Kind.VOLUNTEER
    return Certificate.Kind.APPOINTMENT


def is_eligible(post: Post) -> bool:
    return kind_for(post) is not None


def issuing_unit_for(unit: Unit) -> Unit:
    """The parent federation; a root unit (a city) issues its own."""
    return unit.parent if unit.parent is not None else unit


def eligible_posts(unit: Unit, *, on: datetime.date) -> QuerySet[Post]:
    """Current committee posts of `unit` on `on`, highest post first, then by name."""
    posts = (
        Post.objects.current(on=on)
        .filter(unit=unit, role__in=APPOINTMENT_ROLES)
        .select_related("person", "unit", "unit__parent")
    )
    return posts.order_by("role", "person__name", "pk")


def _print_order(posts: Iterable[Post]) -> list[Post]:
    return sorted(posts, key=lambda p: (p.rank, p.person.name, p.pk))


def has_certificate(post: Post) -> bool:
    try:
        return post.certificate is not None
    except Certificate.DoesNotExist:
        return False


@transaction.atomic
def issue_certificates(*, posts: Sequence[Post], actor: Any, issued_on: datetime.date) -> list[Certificate]:
    """Number every post in `posts` that has no certificate yet; returns the new certificates.

    The posts are locked first (in pk order, so two batches cannot deadlock) and their
    certificates read again under the lock: a second 批量编号 of the same posts, sent while the
    first ran (a double click), waits for it and then finds nothing left to number, instead of
    failing on the post's unique certificate (issue 12).
    """
    ids = sorted({p.pk for p in posts})
    list(Post.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    numbered = set(Certificate.objects.filter(post_id__in=ids).values_list("post_id", flat=True))
    posts = [p for p in _print_order(posts) if p.pk not in numbered]
    ineligible = [p for p in posts if not is_eligible(p)]
    if ineligible:
        names = "、".join(f"{p.person.name}（{p.get_role_display()}）" for p in ineligible)
        raise ValidationError(f"这些任职不发证书（代表不发证）：{names}。")
    by_issuer: dict[Unit, list[Post]] = {}
    for post in posts:
        by_issuer.setdefault(issuing_unit_for(post.unit), []).append(post)
    issued: list[Certificate] = []
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
            kind = kind_for(post)
            assert kind is not None  # posts without a certificate were refused above
            certificate = Certificate.objects.create(
                post=post,
                kind=kind,
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


def typed_number_faults(entries: Sequence[tuple[Post | None, str]]) -> dict[int, str]:
    """{index: message} for the (post or None, number) pairs a roster import would record.

    A number may not be in the register for another post, nor twice in one file; a post whose
    number the register issued keeps it (a typed number cannot overwrite it).
    """
    numbers = {number for _post, number in entries}
    owner = dict(Certificate.objects.filter(number__in=numbers).values_list("number", "post_id"))
    post_ids = [post.pk for post, _number in entries if post is not None]
    current = {c.post_id: c for c in Certificate.objects.filter(post_id__in=post_ids)}
    faults: dict[int, str] = {}
    first: dict[str, int] = {}
    for i, (post, number) in enumerate(entries):
        if number in owner and (post is None or owner[number] != post.pk):
            faults[i] = f"证书编号 {number} 已在证书登记簿中登记给另一任职，请核对。"
            continue
        if number in first:
            faults[i] = f"证书编号 {number} 与本文件中另一行重复。"
            continue
        first[number] = i
        mine = current.get(post.pk) if post is not None else None
        if mine is not None and mine.number != number and mine.seq is not None:
            faults[i] = f"该任职已有系统编号的证书 {mine.number}，不能改为 {number}。"
    return faults


def record_typed_numbers(
    entries: Sequence[tuple[Post, str]], *, actor: Any
) -> list[tuple[Post, dict[str, list[str | None]]]]:
    """Record (post, number) pairs checked by typed_number_faults; returns [(post, audit changes)]."""
    current = {c.post_id: c for c in Certificate.objects.filter(post_id__in=[p.pk for p, _n in entries])}
    new: list[Certificate] = []
    changed: list[Certificate] = []
    changes: list[tuple[Post, dict[str, list[str | None]]]] = []
    for post, number in entries:
        mine = current.get(post.pk)
        if mine is None:
            kind = kind_for(post)
            if kind is None:  # the roster import refuses a number for a post without a certificate
                raise ValueError(f"{post.get_role_display()}不发证书，不能登记证书编号 {number}。")
            new.append(
                Certificate(
                    post=post,
                    kind=kind,
                    issuing_unit=issuing_unit_for(post.unit),
                    number=number,
                    issued_on=post.start_date,
                    issued_by=actor if actor is not None and actor.is_authenticated else None,
                )
            )
            changes.append((post, {"certificate_no": [None, number]}))
        elif mine.number != number:
            changes.append((post, {"certificate_no": [mine.number, number]}))
            mine.number = number
            changed.append(mine)
    Certificate.objects.bulk_create(new)
    Certificate.objects.bulk_update(changed, ["number"])
    return changes


def pages(posts: Iterable[Post], *, issuer: Unit) -> list[dict[str, Any]]:
    """One printable page per numbered certificate, in print order.

    A page holds the parts of the wording; the wording itself is in templates/selection/_certificate.html,
    so the city can adjust it in one place.
    """
    result: list[dict[str, Any]] = []
    for post in _print_order(posts):
        if not has_certificate(post):
            continue
        certificate = post.certificate
        result.append(
            {
                "certificate": certificate,
                "title": certificate.get_kind_display(),
                "is_volunteer": certificate.kind == Certificate.Kind.VOLUNTEER,
                "name": post.person.name,
                "unit_name": post.unit.federation_name,
                "role": post.get_role_display(),
                "issuer": issuer,
                "issuer_name": issuer.federation_name,
                "issued_on": cn_date(certificate.issued_on),
            }
        )
    return result


def pdf(posts: Iterable[Post], *, issuer: Unit) -> bytes:
    """The numbered certificates of `posts` as a PDF, one portrait A4 page each, with the issuer's seal."""
    seal = issuer.seal_bytes()
    context = {
        "pages": pages(posts, issuer=issuer),
        "seal_uri": "data:image/png;base64," + base64.b64encode(seal).decode("ascii") if seal else "",
    }
    return html_to_pdf(render_to_string("selection/certificates_pdf.html", context), serif=True)

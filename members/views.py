from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from orgtree.access import visible_units
from orgtree.models import AuditEvent

from .models import Person, Post


def get_person_for_user(user, pk):
    """A person who holds or held a post in the user's subtree, else 404."""
    person = Person.objects.filter(pk=pk, posts__unit__in=visible_units(user)).distinct().first()
    if person is None:
        raise Http404("人员不存在或不在您的管辖范围内。")
    return person


@login_required
def person_detail(request, pk):
    person = get_person_for_user(request.user, pk)
    posts = Post.objects.filter(person=person).select_related("unit").order_by("-start_date")
    history = AuditEvent.objects.for_object(person).select_related("actor")[:100]
    return render(request, "members/person_detail.html", {"person": person, "posts": posts, "history": history})

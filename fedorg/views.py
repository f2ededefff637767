from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render


@login_required
def home(request):
    """Each user starts at her own unit's page; an account without a unit is told why."""
    if request.user.unit_id:
        return redirect("orgtree:unit", pk=request.user.unit_id)
    if request.user.is_superuser:
        return redirect("orgtree:roots")
    return render(request, "no_unit.html", status=403)

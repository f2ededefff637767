"""The requester's background jobs: list, progress page (and its JSON for polling), cancel, download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import services
from .access import get_job_for_user, jobs_of

LIST_LIMIT = 30


def status_data(job):
    return {
        "id": job.pk,
        "title": job.title,
        "status": job.status,
        "status_label": job.get_status_display(),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": job.percent,
        "message": job.message,
        "active": job.is_active,
        "download": reverse("jobs:download", args=[job.pk]) if job.has_file else None,
    }


@login_required
def job_list(request):
    return render(request, "jobs/list.html", {"jobs": jobs_of(request.user)[:LIST_LIMIT]})


@login_required
def job_detail(request, pk):
    job = get_job_for_user(request.user, pk)
    if request.GET.get("format") == "json":
        return JsonResponse(status_data(job))
    return render(request, "jobs/detail.html", {"job": job, "unit": job.unit})


@login_required
@require_POST
def job_cancel(request, pk):
    job = get_job_for_user(request.user, pk)
    if job.is_active:
        services.cancel_job(job)
        messages.info(request, "已请求取消任务。")
    return redirect("jobs:detail", job.pk)


@login_required
def job_download(request, pk):
    job = get_job_for_user(request.user, pk)
    path = services.download(job=job, actor=request.user)
    if path is None:
        raise Http404("文件不存在或已过期，请重新生成。")
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.result_name)

"""Fetchers for campaigns and returns, built on the one access rule in orgtree.access (404 outside)."""

from typing import Any

from django.http import Http404

from orgtree.access import visible_units

from .models import Campaign, CampaignForm, Return


def get_campaign_for_user(user: Any, pk: Any) -> Campaign:
    """The campaign if it is run by a unit above, at or below the user's unit; else 404."""
    try:
        campaign = Campaign.objects.visible_to(user).filter(pk=pk).select_related("unit").first()
    except (ValueError, TypeError):
        campaign = None
    if campaign is None:
        raise Http404("报送任务不存在或不在您的管辖范围内。")
    return campaign


def get_return_for_user(user: Any, pk: Any) -> Return:
    """A return whose district lies in the user's subtree; else 404. One query, with its snapshot."""
    try:
        ret = (
            Return.objects.filter(pk=pk, unit__in=visible_units(user))
            .select_related("campaign", "form", "unit", "snapshot", "submitted_by", "reviewed_by")
            .first()
        )
    except (ValueError, TypeError):
        ret = None
    if ret is None:
        raise Http404("报表不存在或不在您的管辖范围内。")
    return ret


def get_campaign_form_for_user(user, pk) -> CampaignForm:
    """A form of a campaign the user may see (get_campaign_for_user's rule), with its campaign; else 404."""
    try:
        form = (
            CampaignForm.objects.filter(pk=pk, campaign__in=Campaign.objects.visible_to(user))
            .select_related("campaign")
            .first()
        )
    except (ValueError, TypeError):
        form = None
    if form is None:
        raise Http404("报表不存在或不在您的管辖范围内。")
    return form

"""Fetchers for campaigns and returns, built on the one access rule in orgtree.access (404 outside)."""

from typing import Any

from django.http import Http404

from orgtree.access import can_see_personal_data, is_strictly_below_user_unit, visible_units

from .models import Campaign, CampaignForm, Return, ReturnAttachment


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


def get_attachment_for_user(user: Any, pk: Any) -> ReturnAttachment:
    """An attachment of a return whose district lies in the user's subtree; else 404 (anonymous users too)."""
    try:
        attachment = (
            ReturnAttachment.objects.filter(pk=pk, ret__unit__in=visible_units(user))
            .select_related("ret", "ret__form", "ret__campaign", "ret__unit")
            .first()
        )
    except (ValueError, TypeError):
        attachment = None
    if attachment is None:
        raise Http404("附件不存在或不在您的管辖范围内。")
    return attachment


def get_campaign_form_for_user(user: Any, pk: Any) -> CampaignForm:
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


def may_see_return_contacts(user: Any, ret: Return) -> bool:
    """Contacts in a return in full (附表1, the 联系电话 of 附表3): collecting them is what those forms are for.

    The district's own editors see them as they see its rosters; the reviewing unit (a reviewer or
    admin above the district) receives them as filed. Everyone else browsing (viewers, a district's
    own reviewer) sees them masked by returns.exports.mask_snapshot.
    """
    if can_see_personal_data(user, ret.unit):
        return True
    return bool(user.is_authenticated and user.can_review and is_strictly_below_user_unit(user, ret.unit))

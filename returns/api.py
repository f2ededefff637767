"""Returns over JSON, behind the same access rule as the pages: the frozen snapshot, never live data."""

from rest_framework import generics, serializers

from orgtree.access import can_see_personal_data, visible_units

from .access import get_campaign_for_user, get_return_for_user
from .exports import mask_snapshot
from .models import Return


class ReturnSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    form = serializers.CharField(source="form.form_no", read_only=True)
    due_date = serializers.DateField(source="form.due_date", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    verification_code = serializers.CharField(source="snapshot.code", read_only=True, default=None)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Return
        fields = [
            "id",
            "unit",
            "unit_name",
            "form",
            "due_date",
            "status",
            "status_label",
            "first_submitted_at",
            "submitted_at",
            "reviewed_at",
            "verification_code",
            "url",
        ]


class ReturnDetailSerializer(ReturnSerializer):
    snapshot = serializers.JSONField(source="snapshot.data", read_only=True, default=None)
    explanation = serializers.CharField(read_only=True)

    class Meta(ReturnSerializer.Meta):
        fields = [*ReturnSerializer.Meta.fields, "explanation", "snapshot"]


class CampaignReturns(generics.ListAPIView):
    """The returns of a campaign whose districts lie in the caller's subtree."""

    serializer_class = ReturnSerializer

    def get_queryset(self):
        campaign = get_campaign_for_user(self.request.user, self.kwargs["pk"])
        return (
            Return.objects.filter(campaign=campaign, unit__in=visible_units(self.request.user))
            .select_related("unit", "form", "snapshot")
            .order_by("unit__lft", "form__due_date", "form__form_no")
        )


class ReturnDetail(generics.RetrieveAPIView):
    """One return with its current snapshot (masked for users who may not see personal data)."""

    serializer_class = ReturnDetailSerializer

    def get_object(self):
        ret = get_return_for_user(self.request.user, self.kwargs["pk"])
        if ret.snapshot is not None and not can_see_personal_data(self.request.user, ret.unit):
            ret.snapshot.data = mask_snapshot(ret.snapshot.data)
        return ret

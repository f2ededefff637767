"""Units over JSON, behind the same access rule as the pages."""

from django.db.models import Q
from rest_framework import generics, serializers

from .access import get_unit_for_user, visible_units
from .models import Unit


class UnitSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    org_form_label = serializers.CharField(source="get_org_form_display", read_only=True)
    has_children = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_label",
            "org_form",
            "org_form_label",
            "tier",
            "is_pilot",
            "parent",
            "archived_at",
            "has_children",
            "url",
        ]

    def get_has_children(self, unit):
        return unit.rght - unit.lft > 1


class UnitList(generics.ListAPIView):
    """Units of the caller's subtree; ?q= searches name or code, ?archived=1 includes archived."""

    serializer_class = UnitSerializer

    def get_queryset(self):
        units = visible_units(self.request.user).order_by("tree_id", "lft")
        if self.request.query_params.get("archived") != "1":
            units = units.active()
        q = self.request.query_params.get("q", "").strip()
        if q:
            units = units.filter(Q(name__icontains=q) | Q(code__startswith=q))
        return units


class UnitDetail(generics.RetrieveAPIView):
    serializer_class = UnitSerializer

    def get_object(self):
        return get_unit_for_user(self.request.user, self.kwargs["pk"])


class UnitChildren(generics.ListAPIView):
    """Direct children, for the tree navigator's lazy expansion."""

    serializer_class = UnitSerializer
    pagination_class = None

    def get_queryset(self):
        unit = get_unit_for_user(self.request.user, self.kwargs["pk"])
        children = Unit.objects.filter(parent=unit).order_by("lft")
        if self.request.query_params.get("archived") != "1":
            children = children.active()
        return children

from rest_framework import mixins

from glo_act.api import ScopedViewSet
from partners.filtersets import AgencyFilterSet
from partners.models import Agency
from partners.selectors import agency_list

from .serializers import AgencySerializer


class AgencyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The partner directory: open to every signed-in user, read-only."""

    model = Agency
    serializer_class = AgencySerializer
    filterset_class = AgencyFilterSet
    lookup_field = "short_name"

    def scoped_queryset(self, user):
        return agency_list()

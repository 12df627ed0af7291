from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.response import Response

from audit.services import access_record  # audit (issue 5)
from cases import services
from cases.selectors import case_get, person_list
from glo_act.api import ScopedViewSet
from partners.selectors import user_scope
from victims.models import Person

from .serializers import PersonDetailSerializer


class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Persons the user may see with identity: through a case of their agency or an identity grant.

    PATCH corrects the person's details through services.person_update, on one of their cases
    owned by the user's agency (others may read, not change: 403).
    """

    model = Person
    selector = person_list
    serializer_class = PersonDetailSerializer
    lookup_field = "reference"
    http_method_names = ["get", "patch", "head", "options"]

    # --- audit (issue 5): every person here is shown with identity: record it in the access log ---
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        access_record(user=request.user, request=request, person_ids=[p.id for p in page], what="api person list")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        access_record(user=request.user, request=request, person_ids=[person.id], what="api person")
        return Response(self.get_serializer(person).data)

    # --- end audit ---

    @extend_schema(request=PersonDetailSerializer, responses=PersonDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        person = self.get_object()
        serializer = self.get_serializer(person, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        own = user_scope(request.user).case_agency_ids
        cases = person.identity_cases
        through = next((c for c in cases if c.agency_id in own), cases[0])
        case, _access = case_get(request.user, through.reference)
        services.person_update(user=request.user, case=case, data=dict(serializer.validated_data))
        return Response(self.get_serializer(self.get_object()).data)

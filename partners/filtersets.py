"""Agency directory filters, shared by the UI and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from glo_act.vocabularies import AgencyType, Service

from .models import Agency, Country


class AgencyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    country = django_filters.ModelChoiceFilter(
        queryset=Country.objects.filter(is_programme_country=True), label=_("Country")
    )
    service = django_filters.ChoiceFilter(choices=Service.choices, method="filter_service", label=_("Service"))
    type = django_filters.ChoiceFilter(choices=AgencyType.choices, label=_("Type"))
    is_focal_point = django_filters.BooleanFilter(label=_("National focal point"))

    class Meta:
        model = Agency
        fields = ["q", "country", "service", "type", "is_focal_point"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value) | Q(city__icontains=value))

    def filter_service(self, queryset, name, value):
        return queryset.filter(services__contains=[value]) if value else queryset

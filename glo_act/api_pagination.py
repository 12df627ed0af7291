"""API pagination, apart from glo_act.api because DRF imports it while rest_framework.generics loads."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """25 a page; `?page_size=` up to 100."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

"""The interactive API documentation (Swagger UI from the vendored sidecar assets) under our CSP.

drf-spectacular's split view serves the page and its start-up script as two responses, so no
script is inline; our template moves the page's small <style> block into static/css/swagger.css.
Swagger UI's own stylesheet draws its icons as data: images, so this page alone allows data: images
(data: images cannot run code).
"""

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView

from glo_act.middleware import csp_with


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    http_method_names = ["get", "head"]  # a page and its script; OPTIONS metadata made no sense here

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = csp_with(img_src="'self' data:")
        return response

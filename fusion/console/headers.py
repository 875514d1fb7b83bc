"""Headers of the console's pages: a Content-Security-Policy that lets a page run only the
service's own scripts and styles (every asset is vendored; no page has inline script), and
no caching of a signed-in page (they show TLP-marked content and persons)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The API's documents (report HTML) and the admin keep their own rules.
OUTSIDE = ("/api/", "/admin/", "/static/")


class ConsoleHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(OUTSIDE):
            return response
        response.headers.setdefault("Content-Security-Policy", POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response

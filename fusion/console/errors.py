"""Error pages: the API keeps its JSON errors (fusion.api.errors); every other path answers a
page in the console's layout with the same status."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fusion.api import errors as api_errors


def _page(request: HttpRequest, status: int, title: str) -> HttpResponse:
    return render(request, "console/error.html", {"status": status, "title": title}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_errors.json_404(request, exception)
    return _page(request, 404, "Not found")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_errors.json_403(request, exception)
    return _page(request, 403, "Not allowed")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_errors.json_400(request, exception)
    return _page(request, 400, "Bad request")


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_errors.json_500(request)
    return render(request, "console/error.html", {"status": 500}, status=500)

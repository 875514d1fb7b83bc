"""Links between the pages of an API list, as console URLs.

The API's own `next` and `previous` links point at the API, so a console page keeps its own
path and query and takes from the API's link only its page number, under the name the page
gives that list (a page showing two lists pages each under a name of its own)."""

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.http import HttpRequest


def api_page(request: HttpRequest, param: str = "page") -> dict[str, str]:
    """The API's `page` parameter for the list named `param` in the page's query (none for
    the first page)."""
    value = request.GET.get(param, "").strip()
    return {"page": value} if value else {}


def page_url(
    request: HttpRequest, api_link: str | None, *, param: str = "page", path: str | None = None
) -> str | None:
    """This page's URL (or `path`'s) showing the page an API link points to: the page's query
    with `param` set to that page's number, left out for the first page."""
    if not api_link:
        return None
    number = parse_qs(urlsplit(api_link).query).get("page", ["1"])[0]
    query = request.GET.copy()
    query.pop(param, None)
    if number != "1":
        query[param] = number
    encoded = urlencode(sorted(query.lists()), doseq=True)
    target = path or request.path
    return f"{target}?{encoded}" if encoded else target


def page_links(
    request: HttpRequest, data: Any, *, param: str = "page", path: str | None = None
) -> dict[str, str | None]:
    """`previous_url` and `next_url` of an API list's answer (None where there is no such
    page, or the answer is not a page)."""
    data = data if isinstance(data, dict) else {}
    return {
        "previous_url": page_url(request, data.get("previous"), param=param, path=path),
        "next_url": page_url(request, data.get("next"), param=param, path=path),
    }

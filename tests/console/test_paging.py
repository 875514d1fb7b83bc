"""The console's links between the pages of an API list: the page's own path and query, the
API link's page number under the list's own name, none for the first page."""

from django.test import RequestFactory

from fusion.console.paging import api_page, page_links

API = "http://testserver/api/v1/complaints/"


def test_links_keep_the_pages_query_and_take_the_apis_page_number() -> None:
    request = RequestFactory().get("/oversight/complaints/", {"status": "open", "page": "2"})
    links = page_links(request, {"previous": API + "?status=open", "next": API + "?page=3"})
    assert links == {
        "previous_url": "/oversight/complaints/?status=open",
        "next_url": "/oversight/complaints/?page=3&status=open",
    }


def test_a_list_named_on_a_page_of_two_lists_and_another_path() -> None:
    request = RequestFactory().post("/inbox/requests/?matches_page=2")
    links = page_links(
        request, {"next": API + "?page=2", "previous": None}, param="requests_page", path="/inbox/"
    )
    assert links == {"previous_url": None, "next_url": "/inbox/?matches_page=2&requests_page=2"}
    assert api_page(request, "matches_page") == {"page": "2"}
    assert api_page(request, "requests_page") == {}


def test_an_answer_that_is_not_a_page_has_no_links() -> None:
    request = RequestFactory().get("/sharing/")
    assert page_links(request, b"not json") == {"previous_url": None, "next_url": None}

"""Unknown addresses under /api/ answer in the API's error format, the website with its own page."""

import pytest


@pytest.mark.django_db
def test_unknown_api_path_answers_json_not_found(client):
    # given an address no API route matches
    # when a client asks for it
    response = client.get("/api/v1/products/null,null/")
    # then it gets the API's error body, not Django's HTML page
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_unknown_website_path_stays_html(client):
    # given an address outside the API
    # when a browser asks for it
    response = client.get("/gibt-es-nicht/")
    # then it gets the website's (HTML) not-found page
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_schema_does_not_type_optional_shop_contacts_as_uri_or_email():
    # given the generated OpenAPI schema
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    # when we look at the shop's website and e-mail
    shop = schema["components"]["schemas"]["Shop"]["properties"]
    # then an empty string (a shop without them) is a valid value
    assert "format" not in shop["website"]
    assert "format" not in shop["email"]

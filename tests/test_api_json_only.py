"""The API takes JSON only (issue 20): a form-encoded body is 415, and the schema declares every request
body as application/json, except the roster import, the one upload, which is multipart/form-data only."""

from drf_spectacular.generators import SchemaGenerator

UPLOAD = ("/api/v1/units/{code}/roster/import/", "post")


def bodies():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                yield (path, method), sorted(operation["requestBody"]["content"])


def test_the_schema_declares_json_bodies_and_one_multipart_upload(db):
    found = dict(bodies())
    assert found.pop(UPLOAD) == ["multipart/form-data"]
    assert found and all(types == ["application/json"] for types in found.values()), found


def test_a_form_encoded_body_is_415_with_the_chinese_message(tree, admin_a, login):
    client = login(admin_a)
    response = client.post("/api/v1/units/", {"name": "新社区", "parent": tree.street_a.code})
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]["message"]


def test_the_roster_import_takes_multipart_only(tree, staff_a, login):
    response = login(staff_a).post(
        f"/api/v1/units/{tree.community_a.code}/roster/import/", {"dry_run": True}, content_type="application/json"
    )
    assert response.status_code == 415

"""docs/openapi.yaml is the schema the API serves (issue 20): regenerated in memory, it must equal the file."""

from pathlib import Path

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.validation import validate_schema

FILE = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
REGENERATE = (
    "make openapi  (FEDORG_ENV=test .venv/bin/python manage.py spectacular --file docs/openapi.yaml --validate)"
)


def test_docs_openapi_yaml_is_the_current_schema():
    """Exactly what `manage.py spectacular --file docs/openapi.yaml --validate` writes."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    current = OpenApiYamlRenderer().render(schema, renderer_context={})
    assert FILE.exists(), f"docs/openapi.yaml is missing; write it with: {REGENERATE}"
    assert FILE.read_bytes() == current, (
        f"docs/openapi.yaml is stale: the API changed. Regenerate it with: {REGENERATE}"
    )

"""The site's routes, enumerated from Django's URL resolver, and well-formed bodies for the
API's operations from its OpenAPI schema: for the tests that try every route
(test_tenant_isolation.py, test_every_response.py), so a page added later is tried too."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver


def sample_body(schema: dict, components: dict) -> object:
    """A well-formed value of an OpenAPI schema: the required properties of an object."""
    if "$ref" in schema:
        return sample_body(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "anyOf" in schema:
        return sample_body(schema["anyOf"][0], components)
    kind = schema.get("type")
    if kind == "object":
        return {name: sample_body(schema["properties"][name], components) for name in schema.get("required", [])}
    if kind == "string":
        return "2026-12-01T09:00:00+01:00" if schema.get("format") == "date-time" else "Ingebroken"
    return {"integer": 5, "number": 5, "boolean": True, "array": []}.get(kind)


def site_routes(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """Every URL pattern of the site as a route (``waves/<int:wave_id>/``), the API's and
    the admin's excepted (the API is enumerated from its schema; the admin, Django's own,
    is tried apart)."""
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("api/", "admin/")):
                continue
            routes += site_routes(entry, route)
        elif isinstance(entry, URLPattern):
            routes.append(route)
    return routes

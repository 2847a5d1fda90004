"""The API's error answers, and the schema that documents them on every operation.

ninja documents only the answers a view declares. The others come from elsewhere (the token
check, ninja's validation, a path to an object that is not found), so they are added to
each operation of /api/openapi.json here: a client can rely on every status it may get.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import BaseModel


class Message(Schema):
    detail: str


class Errors(Schema):
    """400: the data cannot be saved; the messages per field, under the API's field names."""

    detail: str
    errors: dict[str, list[str]]


class FieldError(BaseModel):
    """One of ninja's (pydantic's) validation errors."""

    type: str
    loc: list[str | int]
    msg: str


class ValidationErrors(BaseModel):
    """422: a field missing or of the wrong type, each with its location."""

    detail: list[FieldError]


def with_error_answers(schema: Any) -> Any:
    """``schema`` with the answers an operation gives besides its own: 401 and 429 always
    (the token), 404 with an object in the path, 422 with any input, 400 with a JSON body."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (Message, Errors, ValidationErrors):
        definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(definition.pop("$defs", {}))
        components.setdefault(model.__name__, definition)

    def answer(description: str, model: type[BaseModel]) -> dict[str, Any]:
        body = {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
        return {"description": description, "content": {"application/json": body}}

    for path, operations in schema["paths"].items():
        for operation in operations.values():
            # ninja keys an operation's own answers by number (400), these by text ("400"):
            # one key each, or the JSON holds "400" twice and Swagger UI refuses it
            responses = operation["responses"] = {str(code): given for code, given in operation["responses"].items()}
            takes_json = "application/json" in operation.get("requestBody", {}).get("content", {})
            responses.setdefault("401", answer("No token, or a wrong, revoked or inactive user's one", Message))
            responses.setdefault("429", answer("Too many wrong tokens from this address; see Retry-After", Message))
            if "{" in path:
                responses.setdefault("404", answer("Not found, or not to be changed with the token's role", Message))
            if operation.get("parameters") or "requestBody" in operation:
                responses.setdefault("422", answer("A field missing or of the wrong type", ValidationErrors))
            if takes_json:
                responses.setdefault("400", answer("The data cannot be saved, or the body is not JSON", Errors))
    return schema

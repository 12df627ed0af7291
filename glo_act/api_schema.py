"""OpenAPI post-processing: document the refusals every operation can answer.

Every operation needs a signed-in user (401 without credentials, 403 for a role that may not use
it); anything addressed by a path parameter answers 404 out of the user's scope, as if it did not
exist (so does a list page past the last); sign-in and token endpoints answer 429 while an account or
address is locked out; a body that does not validate answers 400 naming the fields. drf-spectacular documents none
of these by itself, so a client (and schemathesis' status-code check) would take them for surprises.
"""

ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}, "additionalProperties": True}
VALIDATION = {"type": "object", "additionalProperties": True}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document_refusals(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry (after drf-spectacular's own enum hook)."""
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            if operation.get("security") != [] and "/auth/token/" not in path:
                responses.setdefault("401", _json(ERROR, "No valid credentials."))
            responses.setdefault("403", _json(ERROR, "The user's role may not do this."))
            if "{" in path or operation.get("parameters"):  # a path out of scope, or a page past the last
                responses.setdefault("404", _json(ERROR, "Not found, or out of the user's scope."))
            if "/auth/" in path:
                responses.setdefault("429", _json(ERROR, "Too many attempts: locked out for a while."))
            if method in {"post", "put", "patch"} or operation.get("parameters"):
                responses.setdefault("400", _json(VALIDATION, "Invalid input: the fields and what is wrong."))
            if method in {"post", "put", "patch"}:
                responses.setdefault("409", _json(ERROR, "Not possible in the record's current state."))
    return result

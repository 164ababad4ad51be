"""The RealWorld contract, checked on every /api response the system tests receive.

The contract is the shared reference ../shared/realworld/openapi.yml, read at test time with
openapi-core (the project keeps no copy of it). `check_response` is a requests response hook that
support.gateway_session() installs on every client of the gateway, so no test can forget it.
Paths outside /api (pages, /healthz, /metrics) are not part of the contract and pass unchecked.

For a response to a path under /api:
- the method and path must be an operation of the spec: Titanium adds no /api path of its own;
- a request the spec calls invalid (no token where one is required, `limit=0`...) must get an
  error, never a 2xx. Tests send such requests on purpose to see the errors, so the request's
  validity decides what the answer may be instead of failing the test. Query parameters the spec
  does not name (Titanium's `q` search on GET /articles) are not errors to openapi-core;
- the status must be one the operation lists, or one UNLISTED_STATUSES allows (then the body
  must still be the spec's error envelope, GenericErrorModel);
- the body must match the schema of that response, with no field the schema does not name; a
  response with no media type in the spec (the 204s of the deletes) must have no body.
"""

import functools
import os
from pathlib import Path
from urllib.parse import urlsplit

import requests
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.templating.paths.datatypes import PathOperationServer
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_schema_validator import OAS31Validator

# The shared reference, never copied into the repository: REALWORLD_OPENAPI when set, else the
# `shared` folder beside the checkout, else the workplace's /work/shared (where CI's clean clone
# may live elsewhere).
SPEC_CANDIDATES = [
    Path(path)
    for path in (
        os.environ.get("REALWORLD_OPENAPI", ""),
        Path(__file__).resolve().parents[2] / "shared" / "realworld" / "openapi.yml",
        "/work/shared/realworld/openapi.yml",
    )
    if path
]
SPEC_PATH = next((path for path in SPEC_CANDIDATES if path.is_file()), SPEC_CANDIDATES[0])
API_PREFIX = "/api"
ANY_OPERATION = ("*", "*")

# Statuses Titanium answers that the spec does not list for the operation, and why. This is the
# only exemption; the body of such a response is still checked against the error envelope.
UNLISTED_STATUSES: dict[tuple[str, str], dict[int, str]] = {
    # The gateway answers these itself, on any route, before or instead of the upstream.
    ANY_OPERATION: {
        400: "a path, query or header with refused characters (titanium_common.text)",
        413: "a body over the service's limit, refused by the gateway before it goes upstream",
        429: "the gateway's rate limit (Retry-After says when to come back)",
        502: "the gateway: the upstream service is down",
        503: "the gateway: auth_service cannot check the token right now",
        504: "the gateway: the upstream did not answer in time",
    },
    # CONTRACT.md, error table: "Duplicate username/email on PUT /user: 409 has already been
    # taken under that key", as registration answers; the spec lists 409 for POST /users only.
    ("PUT", "/user"): {409: "a username or email someone else has"},
    # An article's old slug (it was retitled): Location is the same path with its current slug.
    ("GET", "/articles/{slug}"): {301: "an old slug of a retitled article"},
    ("GET", "/articles/{slug}/comments"): {301: "an old slug of a retitled article"},
}


class ContractViolation(AssertionError):
    """A response that openapi.yml (with the exemptions above) does not allow."""


def check_response(response: requests.Response, *args, **kwargs) -> None:
    """Raise ContractViolation unless `response` is what the contract allows (see the module)."""
    path = urlsplit(response.url).path
    if path != API_PREFIX and not path.startswith(f"{API_PREFIX}/"):
        return
    if problems := _problems(RequestsOpenAPIRequest(response.request), response):
        exchanged = (
            f"{response.request.method} {response.request.path_url} -> {response.status_code}"
        )
        raise ContractViolation(
            f"{exchanged} breaks {SPEC_PATH.name}:\n  "
            + "\n  ".join(problems)
            + f"\nbody: {response.text[:500]}"
        )


@functools.cache
def spec_document() -> dict:
    if not SPEC_PATH.is_file():
        raise ContractViolation(
            "the RealWorld contract is missing: looked for "
            + ", ".join(map(str, SPEC_CANDIDATES))
            + " (set REALWORLD_OPENAPI to the shared reference's openapi.yml)"
        )
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@functools.cache
def openapi() -> OpenAPI:
    # The spec's server is the public demo host; ours is the stack under test on a free port.
    # A relative server URL makes openapi-core match the /api prefix on any host.
    document = {**spec_document(), "servers": [{"url": API_PREFIX}]}
    # The spec leaves its objects open; Titanium answers with exactly the spec's fields, so a
    # field it does not name (an internal id or a password hash leaking out) fails as well.
    config = Config(additional_properties_default_policy="forbid")
    return OpenAPI.from_dict(document, config=config, base_uri=SPEC_PATH.as_uri())


@functools.cache
def error_envelope() -> OAS31Validator:
    return OAS31Validator(spec_document()["components"]["schemas"]["GenericErrorModel"])


def _problems(request: RequestsOpenAPIRequest, response: requests.Response) -> list[str]:
    try:
        found = _operation(request)
    except PathError as error:
        return [f"{error}: the spec has no such operation"]
    invalid_request = [_describe(error) for error in openapi().iter_request_errors(request)]
    if invalid_request and response.ok:
        return ["the spec calls this request invalid, yet it succeeded:", *invalid_request]
    status = str(response.status_code)
    documented = found.operation / "responses"
    if status not in documented:
        return _unlisted_status_problems(request, found, response, list(documented.keys()))
    if not list((documented / status / "content").keys()):
        # openapi-core reads an empty `content` map as "a body is required"; the spec means none.
        if response.content:
            return [f"the spec gives {status} no body, got {len(response.content)} bytes"]
        return []
    return [
        _describe(error)
        for error in openapi().iter_response_errors(request, RequestsOpenAPIResponse(response))
    ]


def _operation(request: RequestsOpenAPIRequest) -> PathOperationServer:
    finder = APICallPathFinder(openapi().spec)
    return finder.find(request.method, f"{request.host_url}{request.path}")


def _unlisted_status_problems(
    request: RequestsOpenAPIRequest,
    found: PathOperationServer,
    response: requests.Response,
    documented: list[str],
) -> list[str]:
    operation = (request.method.upper(), found.path_result.pattern)
    allowed = UNLISTED_STATUSES.get(operation, {}) | UNLISTED_STATUSES[ANY_OPERATION]
    if response.status_code not in allowed:
        return [
            f"{response.status_code} is not a status the spec lists for "
            f"{' '.join(operation)} ({', '.join(documented)}) nor one UNLISTED_STATUSES allows"
        ]
    try:
        body = response.json()
    except ValueError:
        return [f"the body is not JSON (Content-Type {response.headers.get('Content-Type')})"]
    return [
        f"error envelope{_at(error.absolute_path)}: {error.message}"
        for error in error_envelope().iter_errors(body)
    ]


def _describe(error: Exception) -> str:
    """One readable line per problem: the error (and parameter), each schema error and where."""
    kind = type(error).__name__
    label = f"{kind} ({error.name})" if getattr(error, "name", None) else kind
    schema_errors = getattr(error, "details", {}).get("schema_errors")
    if not schema_errors:
        return f"{label}: {str(error).removeprefix(f'{kind}: ')}"
    return "; ".join(
        f"{label}{_at(schema_error['path'])}: {schema_error['message']}"
        for schema_error in schema_errors
    )


def _at(path) -> str:
    """Where in the body a schema error is (` at article.slug`); nothing for the whole body."""
    return f" at {'.'.join(map(str, path))}" if path else ""

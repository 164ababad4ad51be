"""Each service against its own OpenAPI document (schemathesis): requests generated from the
document, valid ones and invalid ones, with a fixed seed and a bounded number per operation.
Whatever is sent, the answer is never a 5xx and is what the document says: a listed status, its
content type, a body that matches its schema.

The internal services are called directly on their ports with the header the gateway would add
(X-Titanium-User-Id of a real account); their /api operations are also called through the
gateway with that account's real token."""

from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks
from schemathesis.generation.modes import GenerationMode

from tests.support import unique

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = {
    service: schemathesis.openapi.from_path(REPO / service / service / "openapi.yaml")
    for service in ("api_gateway", "auth_service", "user_service", "webapp")
}
SEED = 20261206
# Requests per operation and mode: the whole run stays within a few minutes on two cores.
EXAMPLES = 10
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
USER_ID_HEADER = "X-Titanium-User-Id"


def operations(service: str, prefix: str = "/"):
    found = (result.ok() for result in DOCUMENTS[service].get_all_operations())
    return [(service, operation.label) for operation in found if operation.path.startswith(prefix)]


def operation_of(service: str, label: str):
    method, path = label.split(" ", 1)
    return DOCUMENTS[service][path][method]


def fuzz(operation, base_url: str, credentials: dict[str, str], viewer: dict[str, str], owned):
    """Valid requests as `viewer` (headers) on things it owns where the path names any, then
    invalid ones with anything at all; `credentials` (headers) go with every request. Each answer
    is checked against the document."""
    names = {parameter.name for parameter in operation.path_parameters}
    valid = {
        "headers": viewer,
        "path_parameters": {name: value for name, value in owned.items() if name in names},
    }
    with requests.Session() as session:
        for mode in GenerationMode:

            @seed(SEED)
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(mode, **(valid if mode.is_positive else {})))
            def answers_as_documented(case):
                response = case.call(
                    base_url=base_url, session=session, headers=credentials, timeout=10
                )
                case.validate_response(response, checks=CHECKS)

            try:
                answers_as_documented()
            except Unsatisfiable:
                # Every input of the operation is any string (or it takes none): nothing invalid.
                assert not mode.is_positive


@pytest.fixture
def owned(api, attacker):
    """Path parameters that name real things of the attacker's: an article, a comment on it and
    a profile."""
    article = api.create_article(attacker.token, tagList=[unique("tag")])
    comment = api.add_comment(attacker.token, article["slug"], "Mine.")
    return {"slug": article["slug"], "id": str(comment["id"]), "username": attacker.username}


@pytest.mark.parametrize(
    ("service", "label"),
    [
        *operations("api_gateway"),
        *operations("auth_service"),
        *operations("user_service"),
        *operations("webapp"),
    ],
)
def test_each_service_answers_as_its_document_says(service, label, service_url, attacker, owned):
    fuzz(
        operation_of(service, label), service_url(service), {}, {USER_ID_HEADER: attacker.id}, owned
    )


@pytest.mark.parametrize(
    ("service", "label"),
    [
        *operations("auth_service", "/api"),
        *operations("user_service", "/api"),
        *operations("webapp", "/api"),
    ],
)
def test_the_public_api_answers_as_documented_through_the_gateway(
    service, label, stack, attacker, owned
):
    credentials = {"Authorization": f"Token {attacker.token}"}

    fuzz(operation_of(service, label), stack.url, credentials, {}, owned)


def test_the_gateway_serves_its_own_document(service_url):
    served = requests.get(f"{service_url('api_gateway')}/openapi.json", timeout=10)

    assert served.status_code == 200
    assert served.json() == DOCUMENTS["api_gateway"].raw_schema

"""Custom resources checked offline the way an API server with `fieldValidation=Strict` checks
them, against the CRDs vendored in schemas/ (README.md there says where each one comes from).

A CRD's structural schema becomes a JSON Schema (`json_schema`) with the API server's rules:

- an object that is not `x-kubernetes-preserve-unknown-fields: true` and has no
  `additionalProperties` keeps only the fields its `properties` name: any other field is the
  server's `unknown field "spec.endpoints[0].intervall"` error;
- `x-kubernetes-int-or-string` takes an integer or a string, `nullable: true` adds null, and
  `x-kubernetes-embedded-resource` is an object with its own apiVersion, kind and ObjectMeta;
- `x-kubernetes-list-type` set/map refuses duplicate items/keys;
- `metadata` is ObjectMeta: a mapping of its known fields, with a DNS-subdomain name.

Before validating, a null in a non-nullable field is dropped (or replaced by the field's default),
as the server prunes it (apiextensions-apiserver PruneNonNullableNullsWithoutDefaults). The
schema's CEL rules (`x-kubernetes-validations`) and string formats are not evaluated: neither has
an offline evaluator here, so they stay the server's to check.
"""

import copy
import functools
import json
from pathlib import Path

import jsonschema
import yaml

SCHEMAS = Path(__file__).resolve().parent / "schemas"
# Value checks that mean the same in OpenAPI v3.0 and JSON Schema 2020-12.
VALUE_KEYWORDS = (
    "enum", "pattern", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
    "minProperties", "maxProperties", "multipleOf", "required",
    "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
)  # fmt: skip
JUNCTORS = ("allOf", "anyOf", "oneOf")
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}


def object_meta(*, name_required: bool) -> dict:
    """ObjectMeta (k8s.io/apimachinery metav1.ObjectMeta): its fields only, names as the API
    server validates them for a custom resource."""
    timestamp = {"type": ["string", "null"]}
    return {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 253, "pattern": DNS_SUBDOMAIN},
            "generateName": {"type": "string"},
            "namespace": {"type": "string", "maxLength": 63, "pattern": DNS_LABEL},
            "labels": STRING_MAP,
            "annotations": STRING_MAP,
            "finalizers": {"type": "array", "items": {"type": "string"}},
            "ownerReferences": {"type": "array", "items": {"type": "object"}},
            "managedFields": {"type": "array", "items": {"type": "object"}},
            "uid": {"type": "string"},
            "resourceVersion": {"type": "string"},
            "selfLink": {"type": "string"},
            "generation": {"type": "integer"},
            "creationTimestamp": timestamp,
            "deletionTimestamp": timestamp,
            "deletionGracePeriodSeconds": {"type": "integer"},
        },
        "additionalProperties": False,
        **({"required": ["name"]} if name_required else {}),
    }


def json_schema(node: dict, *, structural: bool = True) -> dict:
    """One node of a CRD's openAPIV3Schema as JSON Schema 2020-12. `structural` is False inside
    allOf/anyOf/oneOf/not: there a schema only checks values, and which fields are known is
    decided by the structural node around it (as the API server's pruning does)."""
    out = {key: node[key] for key in VALUE_KEYWORDS if key in node}
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if bound in node:  # OpenAPI v3.0's exclusive flags are booleans beside the bound
            out[exclusive if node.get(exclusive) else bound] = node[bound]
    if node.get("x-kubernetes-int-or-string"):
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    elif "type" in node:
        out["type"] = node["type"]
    for junctor in JUNCTORS:
        if junctor in node:
            branches = [json_schema(branch, structural=False) for branch in node[junctor]]
            out.setdefault("allOf", []).append({junctor: branches})
    if "not" in node:
        out["not"] = json_schema(node["not"], structural=False)
    properties = {name: json_schema(sub, structural=structural) for name, sub in
                  node.get("properties", {}).items()}  # fmt: skip
    if node.get("x-kubernetes-embedded-resource"):
        properties = {
            "apiVersion": {"type": "string", "minLength": 1},
            "kind": {"type": "string", "minLength": 1},
            "metadata": object_meta(name_required=False),
            **properties,
        }
        out["required"] = sorted({*out.get("required", []), "apiVersion", "kind"})
    if properties:
        out["properties"] = properties
    if "items" in node:
        out["items"] = json_schema(node["items"], structural=structural)
    additional = node.get("additionalProperties")
    if isinstance(additional, dict):
        out["additionalProperties"] = json_schema(additional, structural=structural)
    elif additional is not None:
        out["additionalProperties"] = additional
    elif (
        structural
        and (node.get("type") == "object" or properties)
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [{"type": "null"}, out]}
    return out


def _list_type(validator, list_type, instance, schema):
    """x-kubernetes-list-type: a set holds no value twice; a map no two items with the same
    x-kubernetes-list-map-keys."""
    if not validator.is_type(instance, "array") or list_type not in ("set", "map"):
        return
    seen = set()
    for item in instance:
        if list_type == "map" and isinstance(item, dict):
            key = json.dumps([item.get(k) for k in schema.get("x-kubernetes-list-map-keys", [])])
        else:
            key = json.dumps(item, sort_keys=True)
        if key in seen:
            yield jsonschema.ValidationError(f"Duplicate value: {key}")
        seen.add(key)


Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"x-kubernetes-list-type": _list_type}
)


def prune_nulls(value, node: dict):
    """Drop a null that the schema does not allow, or put the field's default in its place,
    as the API server does before it validates (non-nullable nulls are never an error there)."""
    if isinstance(value, dict):
        additional = node.get("additionalProperties")
        for key in list(value):
            sub = node.get("properties", {}).get(key)
            if sub is None and isinstance(additional, dict):
                sub = additional
            if sub is None:
                continue
            if value[key] is None and not sub.get("nullable"):
                if "default" in sub:
                    value[key] = copy.deepcopy(sub["default"])
                else:
                    del value[key]
            else:
                prune_nulls(value[key], sub)
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for item in value:
            prune_nulls(item, node["items"])


@functools.cache
def crd_versions() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> openAPIV3Schema of every served version of every vendored CRD."""
    versions = {}
    for path in sorted(SCHEMAS.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if version.get("served"):
                    key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                    versions[key] = version["schema"]["openAPIV3Schema"]
    return versions


def resource_schema(node: dict, api_version: str, kind: str) -> dict:
    """A CRD version's openAPIV3Schema as the JSON Schema of a whole resource of that version."""
    schema = json_schema(node)
    schema.setdefault("properties", {}).update(
        apiVersion={"const": api_version},
        kind={"const": kind},
        metadata=object_meta(name_required=True),
    )
    schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
    return schema


@functools.cache
def _validator(api_version: str, kind: str):
    return Validator(resource_schema(crd_versions()[(api_version, kind)], api_version, kind))


def _path(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def _messages(error: jsonschema.ValidationError) -> list[str]:
    """The API server's wording where there is one: unknown fields one by one, with their path."""
    path = _path(error.absolute_path)
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = error.schema.get("properties", {})
        return [
            f'unknown field "{_path([*error.absolute_path, key])}"'
            for key in sorted(error.instance)
            if key not in known
        ]
    if error.context:  # anyOf/oneOf: the alternative that came closest: fewest complaints,
        branches = {}  # and of those the one whose complaint lies deepest (the most specific)
        for sub in error.context:
            branch = branches.setdefault(sub.relative_schema_path[0], [[], 0])
            branch[0].extend(_messages(sub))
            branch[1] = max(branch[1], len(sub.absolute_path))
        return min(branches.values(), key=lambda branch: (len(branch[0]), -branch[1]))[0]
    return [f"{path or '<root>'}: {error.message}"]


def _report(validator, instance) -> list[str]:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.path)))
    # dict.fromkeys: int-or-string fields carry the CRD's own anyOf too, so a miss comes twice.
    return list(dict.fromkeys(message for error in errors for message in _messages(error)))


def validation_errors(obj: dict, openapi_schema: dict | None = None) -> list[str]:
    """Why the API server would refuse this custom resource (nothing when it would accept it):
    against its vendored CRD, or against `openapi_schema` when one is given."""
    key = (obj.get("apiVersion"), obj.get("kind"))
    if openapi_schema is None and key not in crd_versions():
        return [f"no served CRD version for apiVersion {key[0]!r} kind {key[1]!r} in {SCHEMAS}"]
    node = crd_versions()[key] if openapi_schema is None else openapi_schema
    validator = (
        _validator(*key) if openapi_schema is None else Validator(resource_schema(node, *key))
    )
    obj = copy.deepcopy(obj)
    prune_nulls(obj, node)
    return _report(validator, obj)


def has_schema(obj: dict) -> bool:
    return (obj.get("apiVersion"), obj.get("kind")) in crd_versions()


@functools.cache
def skaffold_validator() -> jsonschema.Draft7Validator:
    """skaffold's own JSON schema of v4beta11, as published (draft-07)."""
    schema = json.loads((SCHEMAS / "skaffold-v4beta11.json").read_text())
    return jsonschema.Draft7Validator(schema)


def skaffold_errors(config: dict) -> list[str]:
    return _report(skaffold_validator(), config)

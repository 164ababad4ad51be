"""Our charts rendered the way Helm and Argo CD render them, offline (Helm's own engine).

Shared by the stack served from the images (scripts/image_stack.py) and the delivery tests
(tests/delivery/conftest.py), so what runs and what is validated is one render.
"""

import copy
import functools
from pathlib import Path

import helm_python
import yaml


def deep_merge(base: dict, override: dict) -> dict:
    """Helm's coalescing of values files: maps merge key by key, anything else is replaced."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


@functools.cache
def load_chart(path: Path) -> helm_python.Chart:
    return helm_python.Chart.load(path)


def render(chart: Path, values: dict, *, release: str, namespace: str) -> list[dict]:
    """Every object the chart renders (NOTES.txt left out), in template order."""
    manifests = load_chart(chart).render(values, name=release, namespace=namespace)
    return [
        document
        for template, text in sorted(manifests.items())
        if not template.endswith("NOTES.txt")
        for document in yaml.safe_load_all(text)
        if document
    ]

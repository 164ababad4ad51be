"""scripts/import_cycles.py: no Titanium package imports itself in a cycle, and the check bites."""

import textwrap

from scripts import import_cycles


def write_package(root, files: dict[str, str]):
    for name, source in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return root / "pkg"


def test_no_titanium_package_has_an_import_cycle():
    for package in import_cycles.PACKAGES:
        graph = import_cycles.import_graph(import_cycles.REPO / package)
        assert graph, f"{package}: no modules found"
        assert import_cycles.cycles(graph) == [], package


def test_a_hub_imported_back_by_its_children_is_a_cycle_even_inside_a_function(tmp_path):
    package = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "pages.py": """
                def register(app):
                    from pkg.home.views import bp  # the import-order trick
            """,
            "home/__init__.py": "",
            "home/views.py": "from pkg.pages import helper\n",
            "ui.py": "import os\n",
        },
    )

    assert import_cycles.cycles(import_cycles.import_graph(package)) == [
        ["pkg.home.views", "pkg.pages"]
    ]


def test_relative_imports_and_submodules_named_in_from_imports_count(tmp_path):
    package = write_package(
        tmp_path,
        {
            "__init__.py": "from pkg import a\n",
            "a.py": "from . import b\n",
            "b.py": "from .sub import c\n",
            "sub/__init__.py": "",
            "sub/c.py": "from ..a import thing\n",
        },
    )

    assert import_cycles.cycles(import_cycles.import_graph(package)) == [
        ["pkg.a", "pkg.b", "pkg.sub.c"]
    ]


def test_a_package_importing_its_own_modules_is_no_cycle(tmp_path):
    package = write_package(
        tmp_path,
        {
            "__init__.py": "from pkg import views\n",
            "views.py": "from pkg import helpers\n",
            "helpers.py": "",
        },
    )

    assert import_cycles.cycles(import_cycles.import_graph(package)) == []

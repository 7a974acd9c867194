"""The dependency rule of the README's architecture section: `regiecoach/` is the
core and imports none of the others; `bot/`, `actions/` and `rasa_addons/` build
on it and never import each other. Read from the source, so a late import
inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("regiecoach", "bot", "actions", "rasa_addons")
ALLOWED = {
    "regiecoach": {"regiecoach"},
    "bot": {"bot", "regiecoach"},
    "actions": {"actions", "regiecoach"},
    "rasa_addons": {"rasa_addons", "regiecoach"},
}


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """(top-level in-repo package, line) for every import in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top in PACKAGES:
                found.add((top, node.lineno))
    return found


def violations(package_dir: Path, package: str) -> list[str]:
    return [
        f"{path.relative_to(package_dir.parent)}:{line} imports {top}"
        for path in sorted(package_dir.rglob("*.py"))
        for top, line in sorted(imported_packages(path))
        if top not in ALLOWED[package]
    ]


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_only_itself_and_the_core(package):
    assert violations(ROOT / package, package) == []


def test_the_rule_catches_a_forbidden_import_even_inside_a_function(tmp_path):
    package = tmp_path / "actions"
    package.mkdir()
    (package / "ok.py").write_text("from regiecoach.texts import say\nimport actions.common\n")
    (package / "bad.py").write_text("def f():\n    from bot.bridge import Bridge\n    return Bridge\n")
    assert violations(package, "actions") == ["actions/bad.py:2 imports bot"]


def test_the_core_may_not_lean_on_the_apps(tmp_path):
    package = tmp_path / "regiecoach"
    package.mkdir()
    (package / "texts.py").write_text("import rasa_addons.channel\n")
    assert violations(package, "regiecoach") == ["regiecoach/texts.py:1 imports rasa_addons"]

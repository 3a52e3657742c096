"""Every message the UI translates: from the templates, the route modules and words.py.
`python -m frontdesk.web.extract` prints them; the tests check each catalogue has them all."""

from __future__ import annotations

import ast
from pathlib import Path

from jinja2.ext import babel_extract

HERE = Path(__file__).parent
KEYWORDS = ("_", "gettext", "N_")


def template_messages() -> set[str]:
    found: set[str] = set()
    options = {"trim_blocks": "true", "lstrip_blocks": "true"}
    for path in sorted((HERE / "templates").rglob("*.html")):
        with path.open("rb") as handle:
            for _, _, message, _ in babel_extract(handle, KEYWORDS, [], options):
                if isinstance(message, str):
                    found.add(message)
    return found


def python_messages() -> set[str]:
    found: set[str] = set()
    for path in sorted(HERE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in KEYWORDS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def all_messages() -> list[str]:
    return sorted(template_messages() | python_messages())


if __name__ == "__main__":
    for message in all_messages():
        print(message)

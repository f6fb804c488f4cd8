"""The package's shape: a module imports only from its own layer or from layers below it.

The imports are read with ``ast`` (lazy imports inside functions included), so a change that
makes a lower layer reach up fails here instead of rotting silently.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mscref"

# Lowest first. Layers of the same rank are siblings and may not import each other.
LAYERS: dict[str, int] = {
    "data": 0,
    "evidence": 1,
    "registry": 1,
    "render": 2,
    "cli": 3,  # cli/ and __main__.py
}
# Only the command line knows about a terminal. Rich draws text and may serve the render layer;
# nothing below rendering draws anything.
TERMINAL_PACKAGES = {"typer": "cli", "click": "cli", "rich": "render"}


def _modules(package: Path = PACKAGE) -> list[Path]:
    return sorted(p for p in package.rglob("*.py") if p.parent != package or p.name != "__init__.py")


def _layer_of_file(path: Path, package: Path = PACKAGE) -> str:
    first = path.relative_to(package).with_suffix("").parts[0]
    return "cli" if first == "__main__" else first


def _imports(path: Path, package: Path = PACKAGE) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) for every import in the file, lazy ones included, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = ["mscref", *path.relative_to(package).with_suffix("").parts]
    if here[-1] == "__init__":
        here.pop()
    else:
        here.pop()  # a module's relative imports start from its package
    found: list[tuple[int, str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here[: len(here) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base, [a.name for a in node.names]))
    return found


def _violations(path: Path, package: Path = PACKAGE) -> list[str]:
    own = _layer_of_file(path, package)
    wrong = []
    for line, module, names in _imports(path, package):
        parts = module.split(".")
        if parts[0] in TERMINAL_PACKAGES:
            if LAYERS[own] < LAYERS[TERMINAL_PACKAGES[parts[0]]]:
                wrong.append(f"{line}: imports {module}, which the {own} layer must not know about")
            continue
        if parts[0] != "mscref":
            continue
        if len(parts) == 1:
            # the package root holds the version; anything else from it would hide a layer
            if any(name != "__version__" for name in names):
                wrong.append(f"{line}: imports {names} from the package root")
            continue
        target = parts[1]
        if target not in LAYERS:
            wrong.append(f"{line}: imports {module}, which belongs to no layer")
        elif target != own and LAYERS[target] >= LAYERS[own]:
            wrong.append(f"{line}: imports {module} ({target} is not below {own})")
    return wrong


def test_every_module_belongs_to_a_known_layer() -> None:
    unknown = {_layer_of_file(p) for p in _modules()} - set(LAYERS)
    assert not unknown, f"modules outside the known layers: {sorted(unknown)}; add them to LAYERS"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_from_a_layer_above_its_own(path: Path) -> None:
    wrong = _violations(path)
    assert not wrong, f"{path.relative_to(PACKAGE)}:\n" + "\n".join(wrong)


def test_the_check_sees_upward_sibling_and_terminal_imports(tmp_path: Path) -> None:
    """Relative, lazy, sibling and terminal imports are all caught, so the test above can fail."""
    package = tmp_path / "mscref"
    probe = package / "data" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text(
        "from . import models\n"  # fine: its own layer
        "def f():\n"
        "    from ..render import output\n"
        "    from mscref.cli import app\n"
        "    import rich\n",
        encoding="utf-8",
    )
    sibling = package / "evidence" / "probe.py"
    sibling.parent.mkdir(parents=True)
    sibling.write_text("from mscref.registry.ctgov import map_studies\nfrom mscref import load\n")
    assert [w.split(":")[0] for w in _violations(probe, package)] == ["3", "4", "5"]
    assert len(_violations(sibling, package)) == 2

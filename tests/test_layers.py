"""core's subpackages import one way, as nerdistill/core/__init__.py lays them out: no import against the order,
so no circle."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "nerdistill" / "core"
LAYERS = [{"cpu", "errors", "paths", "progress", "tables"}, {"data"}, {"scoring"}, {"config"}, {"plugins"},
          {"annotation"}, {"training"}, {"reporting"}, {"engine", "training_plan"}]


def layer_of(module: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if module in names)


def test_every_import_within_core_goes_to_an_earlier_layer_or_its_own():
    wrong = []
    for path in CORE.rglob("*.py"):
        parts = path.relative_to(CORE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) == 1:
            continue
        here = layer_of(parts[0])
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                if name.startswith("nerdistill.core."):
                    target = layer_of(name.split(".")[2])
                    if target > here:
                        wrong.append(f"{path.relative_to(CORE)} imports {name}")
    assert not wrong, wrong


def test_every_module_of_core_has_a_place_in_the_layers():
    top = {p.stem for p in CORE.glob("*.py") if p.stem != "__init__"} | {p.name for p in CORE.iterdir()
                                                                         if (p / "__init__.py").exists()}
    assert top == set().union(*LAYERS)

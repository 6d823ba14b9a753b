"""Layering you can check: the notebooks' order is the data's path, and a module may import only from modules
of earlier lessons. Every import is parsed, those inside functions included, and so are the module names the
command dispatcher holds as strings (`importlib.import_module`)."""
import ast, json, re
from pathlib import Path

import film_restore

PKG = Path(film_restore.__file__).parent
NBS = PKG.parent / 'nbs'

# Known exceptions: none. A new entry needs a justification (a lazy import of a later lesson is still a dependency on it);
# the test fails on any other.
KNOWN = set()


def lesson_order() -> dict[str, int]:
    "module name -> the number of the notebook that exports it."
    order = {}
    for nb in sorted(NBS.glob('[0-9][0-9]_*.ipynb')):
        cells = json.loads(nb.read_text())['cells']
        src = '\n'.join(''.join(c['source']) if isinstance(c['source'], list) else c['source'] for c in cells if c['cell_type'] == 'code')
        m = re.search(r'#\|\s*default_exp\s+(\S+)', src)
        if m: order[m.group(1)] = int(nb.name[:2])
    return order


def imports_of(path: Path) -> set[str]:
    "The film_restore modules `path` imports anywhere in its code, or names as strings ('film_restore.x')."
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module: found.add(node.module.split('.')[0])
            elif node.level == 1: found.update(a.name for a in node.names)
            elif node.module and node.module.startswith('film_restore.'): found.add(node.module.split('.')[1])
            elif node.module == 'film_restore': found.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split('.')[1] for a in node.names if a.name.startswith('film_restore.'))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            m = re.fullmatch(r'film_restore\.(\w+)', node.value)
            if m: found.add(m.group(1))
    return found


def test_lesson_order_is_known():
    order = lesson_order()
    assert sorted(order.values()) == list(range(10)), f"lessons are numbered 00 to 09: {order}"
    assert order['core'] == 0 and len(order) == len(set(order.values())) == 10, order
    assert {p.stem for p in PKG.glob('*.py')} - {'__init__', '_modidx'} == set(order), 'a module with no lesson'


def test_no_module_imports_a_later_lesson():
    order = lesson_order()
    later = {(p.stem, m) for p in PKG.glob('*.py') if p.stem in order
             for m in imports_of(p) if m in order and order[m] > order[p.stem]}
    assert later - KNOWN == set(), f"modules importing later lessons: {sorted(later - KNOWN)}"
    assert KNOWN - later == set(), f"fixed, so drop them from KNOWN: {sorted(KNOWN - later)}"


def test_the_parser_sees_lazy_and_string_imports(tmp_path):
    f = tmp_path / 'm.py'
    f.write_text("from .core import x\ndef f():\n    from film_restore.restore import y\n    import film_restore.probe\n"
                 "COMMANDS = {'a': ('film_restore.colorize', 'main')}\n")
    assert imports_of(f) == {'core', 'restore', 'probe', 'colorize'}

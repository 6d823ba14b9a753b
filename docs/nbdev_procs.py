"""nbdev's docs processors, with one change, for `build_site.py`.

nbdev's `exec_show_docs` runs every cell that holds an import, so that `show_doc` can see the names it
documents. A lesson's test cell that starts with `import pickle` and then uses a name made in a hidden
cell stops the whole build there. Here such a cell runs its import statements only: exported cells and
`show_doc` cells run as nbdev runs them, and nothing else of the lessons is executed. nbdev also replaces the
outputs of each cell it runs with the new ones; here only `show_doc` cells get new outputs, every other cell keeps
the outputs committed in the notebook.

This lives in its own module because `proc_nbs` hands the processor class to worker processes, which
find it by module name (the IPython shell that runs the cells replaces `__main__` in a worker).
"""
import ast, warnings

import nbdev.serve
import nbdev.processors as P

# nbdev warns of each such cell, printing it whole; here they are expected and handled
warnings.filterwarnings('ignore', message='Found cells containing imports and other code')

_SHOWN = {'export', 'exports', 'exporti', 'exec_doc'}


def _imports_only(cell):
    "The import statements of a cell that nbdev would run only because it imports something, else None"
    if cell.cell_type != 'code' or not cell.source or not P._do_eval(cell) or cell.directives_.keys() & _SHOWN: return None
    trees = cell.parsed_()
    if not trees or P._show_docs(trees): return None
    imports = [t for t in trees if isinstance(t, (ast.Import, ast.ImportFrom))]
    if len(imports) == len(trees): return None
    return '\n'.join(ast.unparse(t) for t in imports)


class exec_show_docs_imports(P.exec_show_docs):
    "nbdev's `exec_show_docs`, running only the imports of a cell that mixes imports with other code, and keeping committed outputs"
    def __call__(self, cell):
        if cell.cell_type != 'code' or P._is_showdoc(cell): return super().__call__(cell)   # show_doc's output is made here
        saved = {k: cell[k] for k in ('outputs', 'execution_count') if k in cell}       # the rest keep what the notebook shows
        src, orig = _imports_only(cell), cell.source
        if src is not None: cell.source = src
        try: return super().__call__(cell)
        finally: cell.source = orig; cell.update(saved)


class SiteFilter(P.FilterDefaults):
    "nbdev's default docs processors, with `exec_show_docs` replaced as above"
    def base_procs(self):
        return [exec_show_docs_imports if p is P.exec_show_docs else p for p in super().base_procs()]


_nbdev_proc_file = nbdev.serve._proc_file

def _proc_file(*args, **kwargs):
    "nbdev's `_proc_file`, naming `SiteFilter` as the processor of each notebook"
    r = _nbdev_proc_file(*args, **kwargs)
    return (r[0], r[1], SiteFilter) if r and r[2] is P.FilterDefaults else r


def proc_nbs(path, **kwargs):
    "`nbdev.serve.proc_nbs` with `SiteFilter`: the processed notebooks go to `_proc/` beside the config"
    nbdev.serve._proc_file = _proc_file
    try: return nbdev.serve.proc_nbs(path, **kwargs)
    finally: nbdev.serve._proc_file = _nbdev_proc_file

# Sphinx configuration of the docs site; `python docs/build_site.py` builds it (this folder is the config folder,
# the source folder is made from the notebooks in a temporary folder).
import re
from pathlib import Path

from docutils import nodes

_repo = Path(__file__).resolve().parent.parent
_version = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", (_repo / 'film_restore' / '__init__.py').read_text())[1]

project = 'film_restore'
author = 'film_restore developers'
copyright = 'film_restore developers, Apache-2.0'
release = version = _version

extensions = ['myst_nb']
nb_execution_mode = 'off'                      # the outputs committed in the notebooks are what the pages show
nb_merge_streams = True
myst_enable_extensions = ['dollarmath']
myst_heading_anchors = 4                       # `[x](07_evaluate.ipynb#inpaint)` reaches show_doc's heading
suppress_warnings = ['myst.header',            # a show_doc heading (###) may come right under the title
                     'misc.highlighting_failure']   # README's notebook line `!pip install ...`

html_theme = 'furo'
html_title = f'film_restore {version}'
html_static_path = ['_static']
html_css_files = ['site.css']
html_favicon = '_static/favicon.svg'        # also spares the browser a request for /favicon.ico
html_copy_source = False
html_show_sourcelink = False
html_math_renderer = 'mathml'


# Maths as MathML, written at build time: no MathJax to fetch from a CDN, so the site works offline.
def _mathml(latex, display):
    from latex2mathml.converter import convert
    return convert(latex.strip(), display='block' if display else 'inline')

def _visit_math(self, node):
    self.body.append(f'<span class="math">{_mathml(node.astext(), False)}</span>')
    raise nodes.SkipNode

def _visit_math_block(self, node):
    self.body.append(f'<div class="math">{_mathml(node.astext(), True)}</div>')
    raise nodes.SkipNode

def setup(app):
    app.add_html_math_renderer('mathml', (_visit_math, None), (_visit_math_block, None))

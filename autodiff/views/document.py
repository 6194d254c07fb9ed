"""deltagrad's pages as whole HTML documents: one head, one look, nothing from elsewhere.

Every page deltagrad writes (the step-by-step pages, the check report, the
exercise sheet, the grading pages) is a file a reader opens from disk, offline,
on a laptop or a phone, with a screen reader as often as not. So each is one
self-contained document, made by :func:`html_document`:

* in English (``lang="en"``), with a viewport for phones;
* a Content-Security-Policy that lets the page load nothing: no scripts, styles,
  fonts or pictures from elsewhere (its own inline ones, and ``data:`` pictures);
* the look of the walkthrough (:data:`STYLE`): the system's sans-serif font, tables
  with lines, a class ``sr`` for text read aloud but not shown.
"""

from __future__ import annotations

import html

# The look every page shares; a page adds its own rules after these.
STYLE = """
  body { font-family: system-ui, sans-serif; margin: 1em; color: #222; line-height: 1.4; }
  h1 { font-size: 1.3em; margin: 0 0 0.4em; overflow-wrap: anywhere; }
  h2 { font-size: 1.1em; margin: 0.6em 0 0.2em; }
  button { font: inherit; padding: 0.3em 0.7em; }
  table { border-collapse: collapse; margin: 0.6em 0; }
  caption { text-align: left; padding: 0.3em 0; }
  th, td { border: 1px solid #bbb; padding: 0.25em 0.5em; }
  thead th { background: #f2f2f2; }
  .scroll { max-width: 100%; overflow-x: auto; }
  .sr { position: absolute; width: 1px; height: 1px; overflow: hidden;
        clip: rect(0 0 0 0); white-space: nowrap; }
"""

_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none';
      style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
"""


def html_document(title: str, body: str, *, style: str = "", script: str = "") -> str:
    """A whole page: ``title`` (plain text), ``body`` (HTML), the shared look with
    ``style`` after it, and ``script`` (JavaScript) at the end of the body."""
    head = _HEAD.format(title=html.escape(title), style=STYLE + style)
    end = f"<script>\n{script}\n</script>\n" if script else ""
    return f"{head}{body}\n{end}</body>\n</html>\n"

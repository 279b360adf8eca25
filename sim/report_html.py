"""The comparison report as one self-contained HTML page, rendered from the report's Markdown.

:func:`render` turns the text of :func:`sim.report.report_markdown` into a page with the
``markdown`` package (its ``tables`` extension): the same text as ``report.md``, not a second
report. The page makes no request of any kind: its styles are inline (system fonts only), it
has no script, and its figures are PNG files embedded as ``data:`` URIs
(:func:`png_data_uri`). Raw HTML in the text is not passed through but shown as text, so
nothing in a scenario's description can add an element to the page.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import markdown

#: The page's styles (inline; system fonts, no web fonts).
CSS: str = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1a1a1a; background: #fff; line-height: 1.45; margin: 0; }
main { max-width: 72rem; margin: 0 auto; padding: 1.5rem 1.5rem 4rem; }
h1 { font-size: 1.7rem; margin-top: 0.5rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd;
  padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin-top: 1.6rem; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; display: block;
  overflow-x: auto; }
th, td { border: 1px solid #d0d0d0; padding: 0.3rem 0.55rem; vertical-align: top; }
th { background: #f2f2f2; }
tr:nth-child(even) td { background: #fafafa; }
td { font-variant-numeric: tabular-nums; }
td[style*="right"] { white-space: nowrap; }
code { font-size: 0.8em; color: #555; background: #f4f4f4; padding: 0 0.2em;
  border-radius: 3px; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
@media print { main { max-width: none; } table { display: table; } }
"""


def png_data_uri(path: str | Path) -> str:
    """A PNG file as a ``data:image/png;base64,...`` URI, to embed it in the page.

    Args:
        path: The PNG file.

    Returns:
        The URI (the file's bytes in base64).
    """
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _converter() -> markdown.Markdown:
    """A Markdown converter with tables that shows raw HTML as text and makes no autolinks."""
    md = markdown.Markdown(extensions=["tables"], output_format="html")
    md.preprocessors.deregister("html_block")
    for name in ("html", "autolink", "automail"):
        md.inlinePatterns.deregister(name)
    return md


def render(text: str, title: str) -> str:
    """The HTML page of a report's Markdown text.

    Args:
        text: The report in Markdown; its images should be ``data:`` URIs
            (:func:`png_data_uri`) for the page to be self-contained.
        title: The page's title (shown in the browser's tab).

    Returns:
        A complete UTF-8 HTML document ending in a newline; the same text gives the same page.
    """
    body = _converter().convert(text)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )

"""Render a report, given as a list of blocks, to Markdown and to self-contained HTML. No science here.

Blocks: ("h1"|"h2"|"h3", text), ("p", text), ("ul", [text, ...]),
("table", [header, ...], [[cell, ...], ...]), ("img", path, caption).
Text may use **bold**; everything else is escaped in HTML.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from .export import atomic_path, read_output

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def to_markdown(blocks, *, image_dir: Path | None = None) -> str:
    out = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + block[1])
        elif kind == "p":
            out.append(block[1])
        elif kind == "ul":
            out.append("\n".join(f"- {item}" for item in block[1]))
        elif kind == "table":
            header, rows = block[1], block[2]
            out.append("| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n"
                       + "\n".join("| " + " | ".join(str(c) for c in row) + " |" for row in rows))
        elif kind == "img":
            path = Path(block[1])
            rel = path.name if image_dir is None else path.relative_to(image_dir)
            out.append(f"![{block[2]}]({rel})\n\n*{block[2]}*")
    return "\n\n".join(out) + "\n"


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(text))


def to_html(blocks, title: str) -> str:
    body = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            body.append(f"<{kind}>{_inline(block[1])}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{_inline(block[1])}</p>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in block[1]) + "</ul>")
        elif kind == "table":
            head = "".join(f"<th>{_inline(h)}</th>" for h in block[1])
            rows = "".join("<tr>" + "".join(f"<td>{_inline(str(c))}</td>" for c in row) + "</tr>" for row in block[2])
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif kind == "img":
            data = base64.b64encode(read_output(block[1])).decode("ascii")
            body.append(f'<figure><img alt="{html.escape(block[2])}" src="data:image/png;base64,{data}">'
                        f"<figcaption>{_inline(block[2])}</figcaption></figure>")
    style = ("body{font-family:sans-serif;max-width:1000px;margin:2em auto;line-height:1.45;color:#222}"
             "table{border-collapse:collapse;margin:1em 0;font-size:90%}td,th{border:1px solid #bbb;padding:3px 7px;"
             "text-align:right}th{background:#eee}img{max-width:100%}figcaption{font-style:italic;font-size:90%}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n")


def write_report(blocks, out_dir: Path, title: str) -> tuple[Path, Path]:
    """report.md (images beside it) and a self-contained report.html (images embedded)."""
    out_dir = Path(out_dir)
    md, page = out_dir / "report.md", out_dir / "report.html"
    with atomic_path(md) as tmp:
        Path(tmp).write_text(to_markdown(blocks, image_dir=out_dir))
    with atomic_path(page) as tmp:
        Path(tmp).write_text(to_html(blocks, title))
    return md, page

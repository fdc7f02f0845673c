"""Render a Word document of a report pack from a docxtpl template (jinja2 inside .docx).

The templates are user-editable (a workspace's templates/ overrides the bundled ones), so
jinja2 runs in a SandboxedEnvironment with StrictUndefined and autoescaping: a template can
neither reach Python internals nor silently print nothing for a misspelt variable, and a
customer name with "<" or "&" cannot break the document's XML. A broken tag becomes a
RenderError naming the template and the tag.

The context is plain data from gdcomply.packs: strings, lists, dicts and ``Text`` values;
a ``Text`` becomes docxtpl RichText (a placeholder is highlighted yellow).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from gdcomply.errors import RenderError
from gdcomply.reports.deterministic import normalise_office_zip

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_OPEN = re.compile(r"\{\{|\{%")


def _jinja_env():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def _convert(value: Any) -> Any:
    """Text values → RichText (recursively through lists and dicts)."""
    from docxtpl import RichText

    from gdcomply.packs import Text

    if isinstance(value, Text):
        rich = RichText()
        if value.placeholder:
            # Word's own highlighter (w:highlight), which RichText's "highlight" (a shading) is not
            rich.xml = _run(value.text, '<w:b/><w:highlight w:val="yellow"/>')
        elif value.emphasis:
            rich.xml = _run(value.text, '<w:b/><w:color w:val="C00000"/>')
        else:
            rich.add(value.text)
        return rich
    if isinstance(value, dict):
        return {k: _convert(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_convert(v) for v in value]
    return value


def _run(text: str, properties: str) -> str:
    from xml.sax.saxutils import escape

    return f'<w:r><w:rPr>{properties}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _template_text(template) -> list[str]:
    """Every paragraph's text of the template (body, tables, headers, footers)."""
    document = template.get_docx()
    texts: list[str] = []

    def walk(container) -> None:
        for paragraph in container.paragraphs:
            texts.append(paragraph.text)
        for table in getattr(container, "tables", []):
            for row in table.rows:
                for cell in row.cells:
                    walk(cell)

    walk(document)
    for section in document.sections:
        walk(section.header)
        walk(section.footer)
    return texts


def _broken_tag(template, env, exc: Exception) -> str:
    """The first tag of the template that jinja2 cannot parse, or that exc names."""
    texts = _template_text(template)
    for text in texts:
        # an opening without its closing on the same paragraph
        for match in _OPEN.finditer(text):
            closing = "}}" if match.group() == "{{" else "%}"
            if closing not in text[match.end():]:
                return text[match.start():match.start() + 60]
        for match in _TAG.finditer(text):
            tag = match.group()
            if tag.startswith("{{"):
                body = tag[2:-2].strip()
                if body.startswith("r ") or body.startswith("p ") or body.startswith("tr ") or body.startswith("tc "):
                    body = body.split(" ", 1)[1]
                try:
                    env.parse("{{ " + body + " }}")
                except Exception:
                    return tag
    message = getattr(exc, "message", None) or str(exc)
    name = re.search(r"'([^']+)' is undefined", message)
    if name:
        for text in texts:
            for match in _TAG.finditer(text):
                if re.search(rf"\b{re.escape(name.group(1))}\b", match.group()):
                    return match.group()
    keyword = re.search(r"tag '(\w+)'", message)
    if keyword:
        for text in texts:
            for match in _TAG.finditer(text):
                if re.search(rf"\b{keyword.group(1)}\b", match.group()):
                    return match.group()
    return ""


def render_docx(template_path: Path, context: Mapping[str, Any], out: Path, *, as_of: date) -> None:
    """Render template_path with context into out (normalised for reproducibility)."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    try:
        template = DocxTemplate(str(template_path))
        template.get_docx()  # open now: a damaged file is reported as such
    except Exception as exc:
        raise RenderError(f"模板 {template_path} 无法打开（不是有效的 Word .docx 文件）：{exc}") from None
    env = _jinja_env()
    try:
        template.render(_convert(dict(context)), jinja_env=env, autoescape=True)
    except TemplateError as exc:
        tag = _broken_tag(DocxTemplate(str(template_path)), env, exc)
        where = f"标签“{tag}”" if tag else "某个标签"
        detail = getattr(exc, "message", None) or str(exc)
        raise RenderError(
            f"模板 {template_path} 的{where}有错误：{detail}。"
            "请在 Word 中改正该标签（标签写法见 docs/packs.md），或删除工作区中的这个模板以使用内置模板"
        ) from None
    try:
        template.save(str(out))
    except OSError as exc:
        raise RenderError(f"无法写入 {out}：{exc.strerror or exc}") from None
    normalise_office_zip(out, as_of)

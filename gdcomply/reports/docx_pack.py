"""Render a Word document of a report pack from a docxtpl template (jinja2 inside .docx).

The templates are user-editable (a workspace's templates/ overrides the bundled ones), so
jinja2 runs in a SandboxedEnvironment with StrictUndefined and autoescaping: a template can
neither reach Python internals nor silently print nothing for a misspelt variable, and a
customer name with "<" or "&" cannot break the document's XML. A broken tag becomes a
RenderError naming the template and the tag.

The context is plain data from gdcomply.packs.model: strings, lists, dicts and ``Text`` values;
a ``Text`` becomes docxtpl RichText (a placeholder is highlighted yellow).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from gdcomply.errors import RenderError
from gdcomply.packs.model import Text
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


_BLOCKS = ("if", "for", "macro", "call", "filter", "with", "block", "autoescape", "trans", "raw")
_KEYWORD = re.compile(r"\{%[-+]?\s*(\w+)")


def _sources(template_path: Path) -> list[tuple[str, str]]:
    """(where, jinja source) of every part docxtpl renders, prepared exactly as docxtpl does.

    DocxTemplate.render runs patch_xml over the body and over each header and footer, then
    puts every paragraph (``<w:p``) on a line of its own (render_xml_part), so jinja's
    lineno is a paragraph of the part.
    """
    from docxtpl import DocxTemplate

    template = DocxTemplate(str(template_path))
    template.init_docx()
    parts = [("正文", template.get_xml())]
    for uri, where in ((template.HEADER_URI, "页眉"), (template.FOOTER_URI, "页脚")):
        parts.extend((where, template.get_part_xml(part)) for _, part in template.get_headers_footers(uri))
    return [(where, re.sub(r"<w:p([ >])", r"\n<w:p\1", template.patch_xml(xml))) for where, xml in parts]


def _plain(xml: str) -> str:
    """The text of a piece of patched XML (Word's markup removed, entities resolved)."""
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", xml))


def _tags(text: str) -> list[str]:
    return [" ".join(m.group().split()) for m in _TAG.finditer(text)]


def _line_tags(source: str, lineno: int | None) -> list[str]:
    if not lineno:
        return []
    lines = source.split("\n")
    return _tags(_plain(lines[lineno - 1])) if 0 < lineno <= len(lines) else []


def _pick(tags: list[str], pattern: str) -> str:
    return next((tag for tag in tags if re.search(pattern, tag)), "")


def _unbalanced(source: str) -> tuple[str, str, str] | None:
    """The innermost block tag left open: (its tag, the end tag it needs, the end tag met instead or "")."""
    stack: list[tuple[str, str]] = []
    for tag in _tags(_plain(source)):
        keyword = _KEYWORD.match(tag)
        if not keyword:
            continue
        word = keyword.group(1)
        if word in _BLOCKS or (word == "set" and "=" not in tag):
            stack.append((word, tag))
        elif word.startswith("end") and stack:
            if stack[-1][0] == word[3:]:
                stack.pop()
            else:
                opened, opening = stack[-1]
                return opening, "{% end" + opened + " %}", tag
    if stack:
        opened, opening = stack[-1]
        return opening, "{% end" + opened + " %}", ""
    return None


def _runtime_lineno(exc: BaseException) -> int | None:
    """The template line of a rendering error (jinja rewrites the traceback to point at it)."""
    lineno = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            lineno = tb.tb_lineno
        tb = tb.tb_next
    return lineno


def _syntax_cause(exc, source: str) -> tuple[str, str]:
    """(tag, cause in Chinese) of a TemplateSyntaxError (TemplateAssertionError included)."""
    message = exc.message or ""
    tags = _line_tags(source, exc.lineno)
    if match := re.match(r"No filter named '([^']+)'", message):
        name = match.group(1)
        return _pick(tags, rf"\|\s*{re.escape(name)}\b"), f"未知的过滤器“{name}”"
    if match := re.match(r"No test named '([^']+)'", message):
        name = match.group(1)
        return _pick(tags, rf"\bis\s+(not\s+)?{re.escape(name)}\b"), f"未知的测试“{name}”"
    if message.startswith("Unexpected end of template") or message.startswith("Encountered unknown tag 'end"):
        found = _unbalanced(source)
        if found:
            opening, needed, met = found
            return opening, f"没有对应的“{needed}”" + (f"（先遇到了“{met}”）" if met else "")
    if match := re.match(r"Encountered unknown tag '([^']+)'", message):
        name = match.group(1)
        if name.startswith("end") or name in ("else", "elif"):
            return _pick(tags, rf"\{{%[-+]?\s*{name}\b"), f"“{name}”没有对应的开始标签"
        return _pick(tags, rf"\{{%[-+]?\s*{name}\b"), f"未知的标签“{name}”"
    # a bad expression or an unclosed tag: the first tag of the line that jinja cannot parse alone
    tag = ""
    env = _jinja_env()
    for candidate in tags:
        try:
            env.parse(candidate)
        except Exception:
            # an unclosed tag runs on to the next closing: show it up to the next opening
            following = _OPEN.search(candidate, 2)
            tag = candidate[:following.start()].strip() if following else candidate
            break
    if not tag and exc.lineno:
        lines = source.split("\n")
        text = _plain(lines[exc.lineno - 1]) if exc.lineno <= len(lines) else ""
        opening = _OPEN.search(text)
        if opening:  # an opening whose closing is not on the line
            tag = " ".join(text[opening.start():opening.start() + 60].split())
    return tag, f"语法错误（{message}）" if message else "语法错误"


def _runtime_cause(exc, source: str) -> tuple[str, str]:
    """(tag, cause in Chinese) of an error raised while rendering (undefined, sandbox, …)."""
    from jinja2 import UndefinedError
    from jinja2.sandbox import SecurityError

    message = getattr(exc, "message", None) or str(exc)
    tags = _line_tags(source, _runtime_lineno(exc))
    if isinstance(exc, UndefinedError):
        if match := re.search(r"'([^']+)' is undefined", message):
            name = match.group(1)
            return _pick(tags, rf"\b{re.escape(name)}\b"), f"未定义的变量“{name}”（可用的变量见 docs/packs.md）"
        if match := re.search(r"has no attribute '([^']+)'", message):
            name = match.group(1)
            return _pick(tags, rf"\b{re.escape(name)}\b"), f"变量没有属性“{name}”"
        return (tags[0] if len(tags) == 1 else ""), f"未定义的值（{message}）"
    if isinstance(exc, SecurityError):
        name = re.search(r"attribute '([^']+)'", message)
        where = f"“{name.group(1)}”" if name else ""
        pattern = re.escape(name.group(1)) if name else r"."
        return _pick(tags, pattern), f"模板不允许访问{where}（安全限制）"
    if match := re.match(r"No (filter|test) named '([^']+)'", message):
        kind, name = match.groups()
        pattern = rf"\|\s*{re.escape(name)}\b" if kind == "filter" else rf"\bis\s+(not\s+)?{re.escape(name)}\b"
        return _pick(tags, pattern), f"未知的{'过滤器' if kind == 'filter' else '测试'}“{name}”"
    return (tags[0] if len(tags) == 1 else ""), f"渲染出错（{message}）"


def _diagnose(template_path: Path, context: Any, error: Exception) -> tuple[str, str, str]:
    """(where, tag, cause) of a template error: each part is compiled and rendered again on its own."""
    from jinja2 import TemplateError, TemplateSyntaxError

    env = _jinja_env()
    try:
        sources = _sources(template_path)
    except Exception:
        sources = []
    for where, source in sources:
        try:
            compiled = env.from_string(source)
        except TemplateSyntaxError as exc:
            return (where, *_syntax_cause(exc, source))
        try:
            compiled.render(context)
        except TemplateError as exc:
            return (where, *_runtime_cause(exc, source))
        except Exception:
            continue
    message = getattr(error, "message", None) or str(error)
    return "", "", f"模板出错（{message}）"


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
        where, tag, cause = _diagnose(template_path, _convert(dict(context)), exc)
        part = f"（{where}）" if where and where != "正文" else ""
        what = f"标签“{tag}”" if tag else "某个标签"
        raise RenderError(
            f"模板 {template_path}{part} 的{what}有错误：{cause}。"
            "请在 Word 中改正该标签（标签写法见 docs/packs.md），或删除工作区中的这个模板以使用内置模板"
        ) from None
    try:
        template.save(str(out))
    except OSError as exc:
        raise RenderError(f"无法写入 {out}：{exc.strerror or exc}") from None
    normalise_office_zip(out, as_of)

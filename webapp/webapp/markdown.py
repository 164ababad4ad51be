"""Article Markdown -> safe HTML: python-markdown renders, nh3 keeps only an allow-list.

Authors may write raw HTML inside Markdown, so the sanitiser, not the renderer, is the safety
boundary: no script/style/iframe/svg, no `on*` attribute, no `javascript:` or `data:` URL.
"""

import functools
import html
from xml.etree import ElementTree

import markdown as md
import nh3
from markdown.extensions import codehilite, toc
from markupsafe import Markup
from pygments.token import STANDARD_TYPES

EXTENSIONS = ["fenced_code", "tables", "sane_lists", "smarty"]
# Fenced code blocks are highlighted with Pygments into classes (the CSP forbids inline styles;
# the stylesheet colours them, light and dark). A language Pygments does not know, or none,
# stays plain escaped code: no guessing.
CODE_BLOCK_CLASS = "highlight"
HIGHLIGHTING = {"css_class": CODE_BLOCK_CLASS, "guess_lang": False, "linenums": False}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "aria-label"},
    **{f"h{level}": {"id"} for level in range(2, 7)},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Every id in a body starts with this (the sanitiser adds it to an author's own ids too), so a
# body can never take the id of a part of the page around it.
HEADING_ID_PREFIX = "section-"
# Any other class is dropped, so a body cannot dress up as a part of the page (a button, say).
ALLOWED_CLASSES = {
    "a": {"heading-anchor"},
    "div": {CODE_BLOCK_CLASS},
    "span": {token_class for token_class in STANDARD_TYPES.values() if token_class},
}
# Content of these is dropped along with the tag (their text is code or styling, not prose).
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "svg", "math", "template"}


class _OutlineHeadings(md.treeprocessors.Treeprocessor):
    """An article page has exactly one h1 (its title): a body's `#` becomes h2 like `##`, deeper
    levels stay as written. Each heading gets an id from its text, unique within the body, and
    a `#` link to itself (shown on hover or focus) that a screen reader names."""

    def run(self, root):
        used_ids = set()
        for element in list(root.iter()):
            if element.tag not in {"h1", "h2", "h3", "h4", "h5", "h6"}:
                continue
            element.tag = "h2" if element.tag == "h1" else element.tag
            name = html.unescape(toc.strip_tags(toc.render_inner_html(element, self.md)))
            slug = toc.slugify_unicode(name, "-") or "heading"
            element.set("id", toc.unique(HEADING_ID_PREFIX + slug, used_ids))
            anchor = ElementTree.SubElement(element, "a")
            anchor.set("class", "heading-anchor")
            anchor.set("href", "#" + element.get("id"))
            anchor.set("aria-label", f"Link to this section: {name}")
            anchor.text = "#"
            anchor.tail = None


class _OutlineHeadingsExtension(md.extensions.Extension):
    def extendMarkdown(self, markdown_instance):
        markdown_instance.treeprocessors.register(
            _OutlineHeadings(markdown_instance), "outline_headings", 0
        )


class _FencedHighlighting(codehilite.CodeHiliteExtension):
    """Highlights fenced blocks only: an indented block has no language to name, and the
    highlighter would read a first line such as `:::python` or `#!python` as one and drop it."""

    def extendMarkdown(self, markdown_instance):
        super().extendMarkdown(markdown_instance)
        markdown_instance.treeprocessors.deregister("hilite")


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        id_prefix=HEADING_ID_PREFIX,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener nofollow",
        # A code block wider than the column scrolls: focusable, a keyboard can scroll it too.
        set_tag_attribute_values={"pre": {"tabindex": "0"}},
        strip_comments=True,
    )


# Rendering and sanitising is a tenth of a full article page: each body (so each version of an
# article) is rendered once per process and kept while it is read, the most read ones longest.
RENDERED_BODIES_KEPT = 256


@functools.lru_cache(maxsize=RENDERED_BODIES_KEPT)
def render(source: str) -> Markup:
    """Markdown source -> sanitised HTML, safe to insert into a template unescaped."""
    html = md.markdown(
        source or "",
        extensions=[*EXTENSIONS, _FencedHighlighting(**HIGHLIGHTING), _OutlineHeadingsExtension()],
    )
    return Markup(sanitize(html))  # noqa: S704 (sanitised just above)

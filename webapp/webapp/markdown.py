"""Article Markdown -> safe HTML: python-markdown renders, nh3 keeps only an allow-list.

Authors may write raw HTML inside Markdown, so the sanitiser, not the renderer, is the safety
boundary: no script/style/iframe/svg, no `on*` attribute, no `javascript:` or `data:` URL.
"""

import functools

import markdown as md
import nh3
from markupsafe import Markup

EXTENSIONS = ["fenced_code", "tables", "sane_lists", "smarty"]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Content of these is dropped along with the tag (their text is code or styling, not prose).
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "svg", "math", "template"}


class _DemoteHeadings(md.treeprocessors.Treeprocessor):
    """An article page has exactly one h1 (its title), so body headings start at h2."""

    def run(self, root):
        for element in root.iter():
            if element.tag in {"h1", "h2", "h3", "h4", "h5"}:
                element.tag = f"h{int(element.tag[1]) + 1}"


class _DemoteHeadingsExtension(md.extensions.Extension):
    def extendMarkdown(self, markdown_instance):
        markdown_instance.treeprocessors.register(
            _DemoteHeadings(markdown_instance), "demote_headings", 0
        )


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener nofollow",
        strip_comments=True,
    )


# Rendering and sanitising is a tenth of a full article page: each body (so each version of an
# article) is rendered once per process and kept while it is read, the most read ones longest.
RENDERED_BODIES_KEPT = 256


@functools.lru_cache(maxsize=RENDERED_BODIES_KEPT)
def render(source: str) -> Markup:
    """Markdown source -> sanitised HTML, safe to insert into a template unescaped."""
    html = md.markdown(source or "", extensions=[*EXTENSIONS, _DemoteHeadingsExtension()])
    return Markup(sanitize(html))  # noqa: S704 (sanitised just above)

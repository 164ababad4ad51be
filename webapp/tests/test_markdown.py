"""Article bodies: rendered once per version and process (the sanitised HTML of a body read again
comes from memory, an edited body is rendered anew), headings keep the page's outline."""

import re

from webapp import markdown

ANCHOR = (
    '<a aria-label="Link to this section: {name}" class="heading-anchor" href="#{id}"'
    ' rel="noopener nofollow">#</a>'
)


def _headings(html):
    return re.findall(r'<(h[1-6]) id="([^"]*)">', html)


def test_a_body_read_again_is_not_rendered_again_and_an_edit_is(monkeypatch):
    rendered = []
    original = markdown.md.markdown

    def counting(source, **options):
        rendered.append(source)
        return original(source, **options)

    markdown.render.cache_clear()
    monkeypatch.setattr(markdown.md, "markdown", counting)

    first = markdown.render("A *first* version <script>alert(1)</script>")
    again = markdown.render("A *first* version <script>alert(1)</script>")
    edited = markdown.render("A *second* version")

    assert again == first == "<p>A <em>first</em> version </p>"
    assert edited == "<p>A <em>second</em> version</p>"
    assert len(rendered) == 2


def test_body_headings_sit_below_the_title_in_order_without_skipping_a_level():
    html = markdown.render("# Top\n\n## Section\n\n### Part\n\n#### Detail\n\n###### Deepest")

    assert _headings(html) == [
        ("h2", "section-top"),
        ("h2", "section-section"),
        ("h3", "section-part"),
        ("h4", "section-detail"),
        ("h6", "section-deepest"),
    ]


def test_each_heading_has_a_unique_id_and_a_named_link_to_itself():
    html = markdown.render("## Setup & *run*\n\ntext\n\n## Setup & *run*\n\n## Привет мир")

    assert (
        '<h2 id="section-setup-run">Setup &amp; <em>run</em>'
        + ANCHOR.format(name="Setup &amp; run", id="section-setup-run")
        + "</h2>"
    ) in html
    assert [id_ for _, id_ in _headings(html)] == [
        "section-setup-run",
        "section-setup-run_1",
        "section-привет-мир",
    ]


def test_an_authors_own_ids_and_classes_cannot_take_those_of_the_page():
    html = markdown.render(
        '<h2 id="main" class="btn">Raw</h2>\n\n<a class="nav-link heading-anchor" href="#x">a</a>'
    )

    assert '<h2 id="section-main">Raw</h2>' in html
    assert '<a class="heading-anchor" href="#x" rel="noopener nofollow">a</a>' in html


def test_a_fenced_block_in_a_known_language_is_highlighted_with_classes_only():
    html = markdown.render('```python\ndef greet(name):\n    return "<b>" + name\n```')

    assert html.startswith('<div class="highlight"><pre tabindex="0"><span></span><code>')
    assert '<span class="k">def</span>' in html
    assert '<span class="nf">greet</span>' in html
    assert '<span class="s2">"&lt;b&gt;"</span>' in html
    assert "style=" not in html  # the CSP forbids inline styles


def test_a_block_in_an_unknown_language_or_none_is_plain_escaped_code():
    for fence in ("```klingon", "```"):
        html = markdown.render(f"{fence}\na <b>bold</b> & c\n```")

        assert html == (
            '<div class="highlight"><pre tabindex="0"><span></span><code>'
            "a &lt;b&gt;bold&lt;/b&gt; &amp; c\n</code></pre></div>"
        )


def test_a_body_keeps_only_the_highlighters_classes_on_spans_and_divs():
    html = markdown.render(
        'A <span class="k btn" style="color: red">word</span> <div class="highlight card">x</div>'
    )

    assert '<span class="k">word</span>' in html
    assert '<div class="highlight">x</div>' in html


def test_a_code_block_can_be_scrolled_with_the_keyboard_and_a_body_sets_no_other_tabindex():
    html = markdown.render('```\nwide\n```\n\n<pre tabindex="-1">x</pre> <p tabindex="3">y</p>')

    assert html.count('<pre tabindex="0">') == 2
    assert 'tabindex="-1"' not in html
    assert 'tabindex="3"' not in html

"""Article bodies are rendered once per version and process: the sanitised HTML of a body read
again comes from memory, and an edited body is rendered anew."""

from webapp import markdown


def test_a_body_read_again_is_not_rendered_again_and_an_edit_is(monkeypatch):
    rendered = []
    original = markdown.md.markdown

    def counting(source, **options):
        rendered.append(source)
        return original(source, **options)

    markdown.render.cache_clear()
    monkeypatch.setattr(markdown.md, "markdown", counting)

    first = markdown.render("# Title\n\nA *first* version <script>alert(1)</script>")
    again = markdown.render("# Title\n\nA *first* version <script>alert(1)</script>")
    edited = markdown.render("# Title\n\nA *second* version")

    assert again == first == "<h2>Title</h2>\n<p>A <em>first</em> version </p>"
    assert edited == "<h2>Title</h2>\n<p>A <em>second</em> version</p>"
    assert len(rendered) == 2

"""A browser without a browser: pages parsed with html.parser, forms submitted as a browser
would submit them (every successful control, the CSRF token included), no JavaScript.

`select` understands what the contract's class hooks need: `tag#id.class[attr=value]` compounds
joined by descendant spaces, e.g. `nav.navbar a[href="/profile/ada"]`.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import requests

from tests.support import gateway_session, unique

# Elements that never have content or an end tag (HTML "void elements").
VOID_ELEMENTS = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
)
# Every account a Browser registers signs in with this password.
PASSWORD = "correct horse battery"
TEXT_INPUT_TYPES = frozenset({"text", "hidden", "email", "password", "search", "url", ""})
COMPOUND = re.compile(
    r"^(?P<tag>[\w-]+|\*)?(?:#(?P<id>[\w-]+))?(?P<classes>(?:\.[\w-]+)*)(?P<attrs>(?:\[[^\]]+\])*)$"
)
ATTRIBUTE = re.compile(r"\[([\w:-]+)(?:=\"?([^\]\"]*)\"?)?\]")


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    parent: "Element | None" = None
    children: list["Element | str"] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)

    def descendants(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.descendants()

    def select(self, selector: str) -> list["Element"]:
        chain = [_compound(part) for part in selector.split()]
        return [element for element in self.descendants() if _matches_chain(element, chain)]

    def one(self, selector: str) -> "Element":
        found = self.select(selector)
        assert len(found) == 1, f"{len(found)} elements match {selector!r}"
        return found[0]


def _compound(text: str):
    match = COMPOUND.match(text)
    assert match, f"unsupported selector {text!r}"
    tag = match["tag"] if match["tag"] not in (None, "*") else None
    classes = set(filter(None, match["classes"].split(".")))
    attrs = ATTRIBUTE.findall(match["attrs"])
    if match["id"]:
        attrs.append(("id", match["id"]))
    return tag, classes, attrs


def _matches(element: Element, compound) -> bool:
    tag, classes, attrs = compound
    return (
        (tag is None or element.tag == tag)
        and classes <= element.classes
        and all(
            name in element.attrs and (not value or element.attrs[name] == value)
            for name, value in attrs
        )
    )


def _matches_chain(element: Element, chain) -> bool:
    if not _matches(element, chain[-1]):
        return False
    ancestor = element.parent
    for compound in reversed(chain[:-1]):
        while ancestor is not None and not _matches(ancestor, compound):
            ancestor = ancestor.parent
        if ancestor is None:
            return False
        ancestor = ancestor.parent
    return True


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs}, self.open[-1])
        self.open[-1].children.append(element)
        if tag not in VOID_ELEMENTS:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.open.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse_html(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def form_fields(form: Element) -> list[tuple[str, str]]:
    """What a browser submits for `form` before the user touches it (no button pressed)."""
    fields = []
    for control in form.descendants():
        name = control.attrs.get("name")
        if not name or "disabled" in control.attrs:
            continue
        kind = control.attrs.get("type", "").lower()
        if control.tag == "input" and kind in TEXT_INPUT_TYPES:
            fields.append((name, control.attrs.get("value", "")))
        elif control.tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in control.attrs:
                fields.append((name, control.attrs.get("value", "on")))
        elif control.tag == "textarea":
            fields.append((name, control.text().removeprefix("\n")))
    return fields


class Browser:
    """One visitor with its own cookie jar; redirects are returned, never followed."""

    def __init__(self, base_url: str):
        self.base = base_url
        self.session = gateway_session()
        self.username: str | None = None

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(f"{self.base}{path}", allow_redirects=False, timeout=10, **kwargs)

    def page(self, path: str, status: int = 200) -> Element:
        response = self.get(path)
        assert response.status_code == status, (path, response.status_code, response.text[:500])
        return parse_html(response.text)

    def post(self, path: str, data, **kwargs) -> requests.Response:
        return self.session.post(
            f"{self.base}{path}", data=data, allow_redirects=False, timeout=10, **kwargs
        )

    def submit(self, page_path: str, action: str, **changes) -> requests.Response:
        """Load `page_path`, fill its form posting to `action` and submit it. A list value
        sends the name once per item; a `(name, value)` in `button` presses that button."""
        document = self.page(page_path)
        forms = [
            form
            for form in document.select("form")
            if form.attrs.get("action") == action and form.attrs.get("method", "").lower() == "post"
        ]
        assert forms, f"no POST form to {action} on {page_path}"
        button = changes.pop("button", None)
        fields = [(name, value) for name, value in form_fields(forms[0]) if name not in changes]
        for name, value in changes.items():
            values = value if isinstance(value, list) else [value]
            fields.extend((name, item) for item in values)
        if button:
            fields.append(button)
        return self.post(action, fields)

    def register(self) -> str:
        username = unique("w")
        response = self.submit(
            "/register",
            "/register",
            username=username,
            email=f"{username}@example.test",
            password=PASSWORD,
        )
        assert response.status_code == 303, response.text[:500]
        assert response.headers["Location"] == "/"
        self.username = username
        return username

    def login(self, user: dict) -> None:
        """Sign in through the form as `user` (as returned by Api.register)."""
        response = self.submit("/login", "/login", email=user["email"], password=user["password"])
        assert (response.status_code, response.headers.get("Location")) == (303, "/")
        self.username = user["username"]

    def publish(self, title: str | None = None, **fields) -> str:
        """A new article through the editor; its slug."""
        response = self.submit(
            "/editor",
            "/editor",
            title=title or unique("Title "),
            description=fields.pop("description", "What it is about"),
            body=fields.pop("body", "A body worth reading."),
            button=("action", fields.pop("action", "publish")),
            **fields,
        )
        assert response.status_code == 303, response.text[:500]
        return response.headers["Location"].rsplit("/", 1)[-1]


def preview_of(document: Element, slug: str) -> Element | None:
    """The `.article-preview` linking to `slug`, if the list holds it."""
    for preview in document.select(".article-preview"):
        if preview.select(f'a.preview-link[href="/article/{slug}"]'):
            return preview
    return None

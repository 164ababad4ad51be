"""What a tag is called (ADR 0029): one spelling per tag, whoever writes it (the editor, the JSON
API, the seeding), so "My New Tag", "my new tag" and " my-new-tag " are the one tag
`my-new-tag`, with one page at /tag/my-new-tag."""

import re
import unicodedata

MAX_TAGS = 10  # per article
MAX_TAG_LENGTH = 30  # once normalised

# A run of whitespace, with any hyphens next to it: "a - b" is "a-b", not "a---b".
_SEPARATOR = re.compile(r"[\s-]*\s[\s-]*")


def normalized(name: str) -> str:
    """`name` trimmed, in lower case, each inner run of whitespace one hyphen ("" stays "").
    Composed and decomposed accents are one spelling (NFC). Other scripts are kept as they are:
    a tag is a word readers type, not an address to transliterate."""
    return _SEPARATOR.sub("-", unicodedata.normalize("NFC", name).strip().lower())

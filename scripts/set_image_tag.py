"""Rewrite the image tag of per-environment values files, and nothing else.

    python3 scripts/set_image_tag.py <tag> <values file>...

Only the `tag:` line inside the top-level `image:` block changes; comments, order and every
other byte stay as they are, so a promotion diff is one line per service.
"""

import re
import sys
from pathlib import Path

TAG_LINE = re.compile(
    r"(?m)^(image:[ ]*\n(?:[ ]+.*\n|[ ]*\n)*?[ ]+tag:[ ]*)([^#\n]*?)([ ]*(?:#.*)?)$"
)
VALID_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def set_image_tag(text: str, tag: str) -> str:
    if not VALID_TAG.match(tag):
        raise ValueError(f"not a valid image tag: {tag!r}")
    new, count = TAG_LINE.subn(lambda m: f'{m.group(1)}"{tag}"{m.group(3)}', text, count=1)
    if count != 1:
        raise ValueError("no image.tag line to rewrite")
    return new


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    tag, *paths = argv
    for path in map(Path, paths):
        path.write_text(set_image_tag(path.read_text(), tag))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

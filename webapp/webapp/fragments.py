"""Rendered HTML that depends only on what it shows, kept in this process under a key naming
exactly that, so a preview is rendered once per version of its article rather than once per
page view (ADR 0025). A key names everything the fragment shows; nothing is ever invalidated,
a changed article simply has a new key, and the least recently used fragments make way."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from markupsafe import Markup

MAX_FRAGMENTS = 4096

_kept: OrderedDict[Hashable, Markup] = OrderedDict()
_lock = threading.Lock()


def kept(key: Hashable, render: Callable[..., Markup], *args) -> Markup:
    """`render(*args)` as rendered for `key` before, else rendered now and kept."""
    with _lock:
        fragment = _kept.get(key)
        if fragment is not None:
            _kept.move_to_end(key)
            return fragment
    fragment = render(*args)  # a macro: Markup, escaped as it rendered
    with _lock:
        _kept[key] = fragment
        while len(_kept) > MAX_FRAGMENTS:
            _kept.popitem(last=False)
    return fragment

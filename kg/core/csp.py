"""The Content-Security-Policy of every HTML page kg writes (the graph page, the dossier).

Nothing is fetched, nothing runs but the page's own scripts and styles, named by their
SHA-256 hashes: text from the .bib or the thesaurus that slipped into the markup anyway would
stay inert (no inline handler, no ``javascript:`` link, no request, no form, no frame).
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from html import escape

#: what every kg page allows beside its own scripts and styles: nothing but data: images
_REST = ("img-src data:; font-src 'none'; connect-src 'none'; frame-src 'none'; "
         "object-src 'none'; media-src 'none'; worker-src 'none'; manifest-src 'none'; "
         "base-uri 'none'; form-action 'none'")


def source_hash(text: str) -> str:
    """A CSP source expression for an inline script or style: 'sha256-...'."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def policy(scripts: Iterable[str] = (), styles: Iterable[str] = ()) -> str:
    """The policy allowing exactly these inline scripts and styles (none: 'none')."""
    script = " ".join(dict.fromkeys(source_hash(s) for s in scripts)) or "'none'"
    style = " ".join(dict.fromkeys(source_hash(s) for s in styles)) or "'none'"
    return f"default-src 'none'; script-src {script}; style-src {style}; {_REST}"


def meta(csp: str) -> str:
    """The ``<meta http-equiv>`` element carrying a policy."""
    return f'<meta http-equiv="Content-Security-Policy" content="{escape(csp)}">'

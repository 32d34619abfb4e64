"""Share the graph through a SPARQL server: the SPARQL 1.1 Protocol and Graph Store Protocol.

Standard library only (urllib): any triplestore that speaks the two W3C protocols serves
(Oxigraph and Virtuoso are tested for real; Apache Jena Fuseki, GraphDB... by their layouts).

- :class:`RemoteStore` answers ``kg.read.query.select`` like a local store: queries are POSTed
  (URL-encoded) and the JSON results become the same ``Result``/``Term`` rows.
- :func:`push` uploads ``out/graph.ttl`` with the Graph Store Protocol: ``PUT`` replaces the
  graph, ``POST`` merges into it.  A graph of at most ``KG_ENDPOINT_BATCH`` triples (default
  :data:`DEFAULT_BATCH`) goes in one request, streamed from the file; a larger one is sent as
  N-Triples in requests of that many triples (the first ``PUT`` when replacing, the others
  ``POST``), read from the file as they go: Virtuoso 7.2 loads 100,000 triples in a second or
  two, but one request of 400,000 or more did not end within minutes (its whole upload is one
  transaction).  A request the server undid because its transaction deadlocked (Virtuoso
  under load) is sent again; another failure names the request and what the graph now holds.
  :func:`check_count` then compares what the server holds with what was sent.

Credentials come from the environment only: ``KG_ENDPOINT_USER`` + ``KG_ENDPOINT_PASSWORD``
(HTTP Basic, or HTTP Digest when the server asks for it: Virtuoso's ``/sparql-auth`` and
``/sparql-graph-crud-auth``) or ``KG_ENDPOINT_TOKEN`` (Bearer).  Before the first request with a
user and password to a URL, one ``HEAD`` without credentials asks the server which scheme it
wants: a Digest server never receives the password.  They are never printed: a URL is shown
only once its ``user:password@`` part is removed, a credential that cannot go into an HTTP header
(a line break, a control character) is refused without showing it, and what the server or the
system says is scrubbed of them before it is shown.

Queries are POSTed URL-encoded (``query=...``, the form every SPARQL 1.1 server takes; Virtuoso
7 never answers a body sent as ``application/sparql-query``).

Answers are read in blocks and capped: at most ``KG_ENDPOINT_MAX_BYTES`` bytes (default
:data:`DEFAULT_MAX_BYTES`, 256 MiB; suffixes K, M, G accepted) or the ``max_bytes`` of a
:class:`RemoteStore`; a larger answer is an error, never a client that grows without bound.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from kg.core.errors import InputError, KgError, QueryError
from kg.core.limits import bytes_setting, human_size
from kg.core.vocab import RDF, XSD

ENV_USER, ENV_PASSWORD, ENV_TOKEN = "KG_ENDPOINT_USER", "KG_ENDPOINT_PASSWORD", "KG_ENDPOINT_TOKEN"
ENV_TIMEOUT = "KG_ENDPOINT_TIMEOUT"
ENV_MAX_BYTES = "KG_ENDPOINT_MAX_BYTES"
ENV_BATCH = "KG_ENDPOINT_BATCH"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_BYTES = 256 << 20  # the largest answer read from a server (KG_ENDPOINT_MAX_BYTES)
MIN_SCRUBBED = 8  # shorter credentials are never replaced inside a text (see scrub)
CHUNK = 1 << 20  # upload block size
DEFAULT_BATCH = 50_000  # the most triples in one upload request (KG_ENDPOINT_BATCH)
XSD_STRING = XSD.string
RDF_LANG = RDF.langString
JSON_RESULTS = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
LAYOUTS = ("Oxigraph: http://HOST:7878 (or .../query); Fuseki: http://HOST:3030/DATASET/sparql; "
           "GraphDB: http://HOST:7200/repositories/REPO; Virtuoso: http://HOST:8890/sparql "
           "(or /sparql-auth)")
FORM = "application/x-www-form-urlencoded"


class RemoteError(KgError):
    """The SPARQL server cannot be used."""


class ReadOnlyError(RemoteError):
    """The server refuses writes (read-only?)."""


class NoAnswerError(RemoteError):
    """The server did not answer within the time limit (it may still be at work)."""


class DeadlockError(RemoteError):
    """The server gave up a write because its transaction deadlocked (SQL state 40001): it
    kept nothing of it, and the same request may be sent again."""


# Virtuoso 7.2 under load: "Error 40001 ... SR172: Transaction deadlocked" (HTTP 500)
_DEADLOCK = re.compile(r"\b40001\b|\bSR172\b|deadlock", re.IGNORECASE)
DEADLOCK_TRIES = 4  # a deadlocked upload request is sent at most this many times
DEADLOCK_WAIT = 1.0  # seconds before the second try, doubled before each next one


# --------------------------------------------------------------------------- credentials

@dataclass(frozen=True)
class Credentials:
    user: str | None = None
    password: str | None = None
    token: str | None = None


def _credentials() -> Credentials | None:
    """The credentials of the environment, checked (never shown)."""
    user, pw, token = (os.environ.get(k) for k in (ENV_USER, ENV_PASSWORD, ENV_TOKEN))
    if token and (user or pw):
        raise RemoteError(f"set either {ENV_TOKEN} or {ENV_USER}/{ENV_PASSWORD}, not both")
    if token:
        _check_credential(ENV_TOKEN, token, bearer=True)
        return Credentials(token=token)
    if user or pw:
        if not (user and pw):
            missing = ENV_PASSWORD if user else ENV_USER
            raise RemoteError(f"{missing} is not set ({ENV_USER} and {ENV_PASSWORD} go "
                              "together)")
        _check_credential(ENV_USER, user)
        _check_credential(ENV_PASSWORD, pw)
        if ":" in user:
            raise RemoteError(f"{ENV_USER} holds a ':', which HTTP Basic cannot send (it "
                              "separates the user from the password): check its value")
        return Credentials(user, pw)
    return None


# HTTP Digest (RFC 7616): the challenges a server sent, by protection space (scheme, host and
# path), reused with a growing nonce count until the server says the nonce is stale.
_DIGEST_HASHES = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}


@dataclass
class DigestChallenge:
    realm: str
    nonce: str
    opaque: str | None = None
    qop: str | None = None  # "auth", or None for an RFC 2069 server
    algorithm: str = "MD5"
    stale: bool = False
    nc: int = field(default=0, compare=False)

    def answer(self, method: str, url: str, user: str, password: str,
               cnonce: str | None = None) -> str:
        """The ``Authorization: Digest ...`` header for one request (RFC 7616, section 3.4)."""
        alg = self.algorithm.upper()
        base = alg[:-5] if alg.endswith("-SESS") else alg
        name = _DIGEST_HASHES[base]

        def h(text: str) -> str:
            return hashlib.new(name, text.encode("utf-8")).hexdigest()

        p = urlsplit(url)
        uri = (p.path or "/") + (f"?{p.query}" if p.query else "")
        with _DIGEST_LOCK:
            self.nc += 1
            nc = f"{self.nc:08x}"
        cnonce = cnonce or secrets.token_hex(16)
        ha1 = h(f"{user}:{self.realm}:{password}")
        if alg.endswith("-SESS"):
            ha1 = h(f"{ha1}:{self.nonce}:{cnonce}")
        ha2 = h(f"{method}:{uri}")
        if self.qop:
            response = h(f"{ha1}:{self.nonce}:{nc}:{cnonce}:{self.qop}:{ha2}")
        else:
            response = h(f"{ha1}:{self.nonce}:{ha2}")
        fields = [_username_field(user), f'realm="{_quoted(self.realm)}"',
                  f'nonce="{_quoted(self.nonce)}"', f'uri="{_quoted(uri)}"',
                  f"algorithm={self.algorithm}", f'response="{response}"']
        if self.opaque is not None:
            fields.append(f'opaque="{_quoted(self.opaque)}"')
        if self.qop:
            fields += [f"qop={self.qop}", f"nc={nc}", f'cnonce="{cnonce}"']
        return "Digest " + ", ".join(fields)


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _username_field(user: str) -> str:
    if user.isascii():
        return f'username="{_quoted(user)}"'
    return f"username*=UTF-8''{quote(user, safe='')}"  # RFC 7616 section 3.4.4


_DIGEST: dict[tuple[str, str, str], DigestChallenge] = {}
_PROBED: set[tuple[str, str, str]] = set()
_DIGEST_LOCK = threading.Lock()


def _space(url: str) -> tuple[str, str, str]:
    p = urlsplit(url)
    return p.scheme, p.netloc.lower(), p.path


def _auth_params(text: str) -> dict[str, str]:
    from urllib.request import parse_http_list

    out = {}
    for item in parse_http_list(text):
        name, eq, value = item.partition("=")
        if eq:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            out[name.strip().lower()] = value
    return out


def _challenges(headers) -> list[str]:
    """The schemes a 401 answer asks for (``WWW-Authenticate``), e.g. ["Digest"]."""
    values = headers.get_all("WWW-Authenticate") or [] if headers is not None else []
    return [v.strip().split(" ", 1)[0] for v in values if v.strip()]


def parse_digest(headers) -> DigestChallenge | None:
    """The first Digest challenge of a 401 answer that kg can meet (MD5, SHA-256 or
    SHA-512-256, with or without -sess; qop=auth or none), else None."""
    for value in (headers.get_all("WWW-Authenticate") or []) if headers is not None else []:
        scheme, _, rest = value.strip().partition(" ")
        if scheme.lower() != "digest":
            continue
        params = _auth_params(rest)
        if any(_CONTROL.search(v) for v in params.values()):
            continue  # nothing of it may go back into a header
        alg = params.get("algorithm", "MD5")
        base = alg.upper()[:-5] if alg.upper().endswith("-SESS") else alg.upper()
        if "realm" not in params or "nonce" not in params or base not in _DIGEST_HASHES:
            continue
        qops = [q.strip().lower() for q in params.get("qop", "").split(",") if q.strip()]
        if qops and "auth" not in qops:
            continue  # auth-int only: it would hash the whole body before sending it
        return DigestChallenge(params["realm"], params["nonce"], params.get("opaque"),
                               "auth" if qops else None, alg,
                               params.get("stale", "").lower() == "true")
    return None


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _check_credential(name: str, value: str, bearer: bool = False) -> None:
    """Refuse, without showing it, a credential that cannot travel in an HTTP header."""
    bad = _CONTROL.search(value)
    if bad:
        where = ("at its end" if bad.start() >= len(value.rstrip("\r\n\t\x00"))
                 else f"at character {bad.start() + 1}")
        what = {"\n": "a line feed (LF)", "\r": "a carriage return (CR)",
                "\t": "a tab"}.get(bad.group(), f"the control character U+{ord(bad.group()):04X}")
        raise RemoteError(f"{name} holds {what} {where}: credentials cannot contain line "
                          "breaks or control characters (was it read from a file with its "
                          "line end?); set it again without them")
    if bearer and not value.isascii():
        raise RemoteError(f"{name} holds characters that are not ASCII, which an HTTP "
                          "header cannot carry: check its value")


def _secrets() -> list[str]:
    out = []
    user, pw, token = (os.environ.get(k) for k in (ENV_USER, ENV_PASSWORD, ENV_TOKEN))
    for s in (pw, token):
        if s:
            out.append(s)
            if s.strip() and s.strip() != s:
                out.append(s.strip())
    if user and pw:
        out.append(base64.b64encode(f"{user}:{pw}".encode()).decode("ascii"))
    return sorted(set(out), key=len, reverse=True)


WITHHELD = "(not shown: it may contain the credentials)"


def scrub(text: str) -> str:
    """``text`` (said by a server or the system) without the credentials of the environment.

    A credential of :data:`MIN_SCRUBBED` characters or more is replaced by ***.  A shorter one
    cannot be replaced without mangling the text and showing, by what was starred, what it is
    (a one-letter password would star every such letter): a text that holds one is withheld
    whole.
    """
    for s in _secrets():
        if len(s) >= MIN_SCRUBBED:
            text = text.replace(s, "***")
        elif s in text:
            return WITHHELD
    return text


def _scrub_long(text: str) -> str:
    """Our own messages: they never hold a credential; long ones are replaced all the same."""
    for s in _secrets():
        if len(s) >= MIN_SCRUBBED:
            text = text.replace(s, "***")
    return text


def _fail(cls, message: str):
    return cls(_scrub_long(message))


def has_credentials() -> bool:
    return any(os.environ.get(k) for k in (ENV_USER, ENV_PASSWORD, ENV_TOKEN))


# --------------------------------------------------------------------------- URLs

_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:)?(//)?[^@]*@")


def redact(url: str) -> str:
    """``url`` without its ``user:password@`` part (everything up to its last '@'), to show."""
    m = _USERINFO.match(url)
    if m is None:
        return url
    prefix = (m.group(1) or "") + m.group(2) if m.group(2) else ""
    return prefix + "***@" + url[m.end():]


def check_url(url: str, what: str = "endpoint") -> str:
    """An http(s) URL with a host and no credentials in it.

    Its messages show the URL only through :func:`redact`: a bad port, scheme or host never
    echoes a password written into it.
    """
    url = (url or "").strip()
    shown = repr(redact(url)[:120])
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
        userinfo = parts.username is not None or parts.password is not None
    except ValueError:
        userinfo = "@" in url
        if not userinfo:
            raise InputError(f"not a usable {what} URL: {shown} (a bad port or host?)") from None
    if userinfo:
        # never echo them: they hold a secret
        raise InputError(f"the {what} URL holds credentials ({shown}): remove them and set "
                         f"{ENV_USER} and {ENV_PASSWORD} (or {ENV_TOKEN}) in the environment "
                         "instead")
    if _CONTROL.search(url) or " " in url:
        raise InputError(f"not a usable {what} URL: {shown} (it holds spaces or control "
                         "characters)")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"not a usable {what} URL: {shown} (expected http://HOST:PORT/"
                         f"...; {LAYOUTS})")
    return url


def _with_path(url: str, path: str) -> str:
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, path, "", ""))


def query_url(endpoint: str) -> str:
    """The SPARQL query URL: a bare server root is taken as Oxigraph's (``/query``)."""
    endpoint = check_url(endpoint)
    if urlsplit(endpoint).path in ("", "/"):
        return _with_path(endpoint, "/query")
    return endpoint


def store_url(endpoint: str) -> str:
    """The Graph Store Protocol URL that goes with a query endpoint, for known servers."""
    endpoint = check_url(endpoint)
    path = urlsplit(endpoint).path.rstrip("/")
    if path in ("", "/query"):  # Oxigraph
        return _with_path(endpoint, "/store")
    m = re.fullmatch(r"/sparql(-auth)?", path)  # Virtuoso (-auth: HTTP Digest)
    if m:
        return _with_path(endpoint, "/sparql-graph-crud" + (m.group(1) or ""))
    m = re.fullmatch(r"(/.+)/(sparql|query)", path)  # Fuseki: /DATASET/sparql
    if m:
        return _with_path(endpoint, m.group(1) + "/data")
    m = re.fullmatch(r"(.*/repositories/[^/]+)", path)  # GraphDB, RDF4J
    if m:
        return _with_path(endpoint, m.group(1) + "/rdf-graphs/service")
    raise InputError(f"cannot tell the Graph Store URL of {endpoint}: give it with --store-url "
                     "(Oxigraph: .../store, Fuseki: .../DATASET/data, GraphDB: "
                     ".../repositories/REPO/rdf-graphs/service, Virtuoso: "
                     ".../sparql-graph-crud or .../sparql-graph-crud-auth)")


def graph_target(url: str, graph: str | None) -> str:
    """``url?graph=IRI`` or ``url?default`` (Graph Store Protocol)."""
    from kg.read.query import check_iri

    sep = "&" if urlsplit(url).query else "?"
    if graph is None:
        return f"{url}{sep}default"
    return f"{url}{sep}graph={quote(check_iri(graph), safe='')}"


def _shown(url: str) -> str:
    try:
        p = urlsplit(url)
        netloc = p.netloc.rpartition("@")[2]
        return urlunsplit((p.scheme, netloc, p.path, p.query, ""))
    except ValueError:
        return redact(url)


def _timeout(timeout: float | None) -> float:
    if timeout is not None:
        return float(timeout)
    raw = os.environ.get(ENV_TIMEOUT)
    if raw:
        try:
            t = float(raw)
            if t > 0:
                return t
        except ValueError:
            pass
        raise InputError(f"{ENV_TIMEOUT} must be a number of seconds, not {raw[:20]!r}")
    return DEFAULT_TIMEOUT


def insecure(url: str) -> bool:
    """True when credentials would travel in clear text to another machine."""
    p = urlsplit(url)
    return p.scheme == "http" and has_credentials() and not _loopback(p.hostname or "")


def _loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


# --------------------------------------------------------------------------- HTTP

def _opener(url: str):
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            # Following would resend the credentials (and drop a PUT body): say where instead
            raise _fail(RemoteError, f"{_shown(req.full_url)} redirects (HTTP {code}) to "
                                     f"{scrub(_shown(newurl))}: use that URL")

    handlers = [NoRedirect()]
    if _loopback(urlsplit(url).hostname or ""):
        handlers.append(urllib.request.ProxyHandler({}))  # loopback never goes to a proxy
    return urllib.request.build_opener(*handlers)


def _body_text(fp, limit: int = 4000) -> str:
    try:
        raw = fp.read(limit) if fp is not None else b""
    except Exception:
        raw = b""
    text = raw.decode("utf-8", "replace")
    if "<" in text and re.search(r"<(html|body|head|title|p|h1|pre)\b", text, re.IGNORECASE):
        text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
        text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return text[:500] + ("…" if len(text) > 500 else "")


def max_bytes(limit: int | None = None) -> int:
    """The largest answer read from a server: ``limit``, else KG_ENDPOINT_MAX_BYTES, else
    :data:`DEFAULT_MAX_BYTES`."""
    if limit is not None:
        if int(limit) <= 0:
            raise InputError("the answer size limit must be a positive number of bytes")
        return int(limit)
    return bytes_setting(ENV_MAX_BYTES, DEFAULT_MAX_BYTES)


def _too_big(shown: str, limit: int, said: str = "") -> RemoteError:
    return _fail(RemoteError, f"the answer of {shown} is larger than the limit of "
                              f"{human_size(limit)}{said}: narrow the query (LIMIT, fewer "
                              f"variables) or raise the limit with {ENV_MAX_BYTES}")


def _read_capped(resp, limit: int, shown: str) -> bytes:
    """The body of ``resp``, read in blocks; an error as soon as it exceeds ``limit`` bytes."""
    declared = resp.headers.get("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > limit:
        raise _too_big(shown, limit, f" (it announces {human_size(int(declared))})")
    buf = bytearray()
    while True:
        block = resp.read(min(CHUNK, limit + 1 - len(buf)))
        if not block:
            return bytes(buf)
        buf += block
        if len(buf) > limit:
            raise _too_big(shown, limit)


def _probe(url: str, timeout: float) -> None:
    """Learn, once per protection space, whether the server wants HTTP Digest: one ``HEAD``
    without credentials (a Digest server then never receives the password in Basic)."""
    import urllib.error
    import urllib.request

    key = _space(url)
    if key in _PROBED or key in _DIGEST:
        return
    _PROBED.add(key)
    req = urllib.request.Request(url, method="HEAD", headers={"User-Agent": USER_AGENT})
    try:
        with _opener(url).open(req, timeout=timeout):
            pass
    except urllib.error.HTTPError as e:
        challenge = parse_digest(e.headers) if e.code == 401 else None
        e.close()
        if challenge is not None:
            _DIGEST[key] = challenge
    except Exception:  # noqa: BLE001  (the request itself will say what is wrong)
        pass


def _authorization(cred: Credentials | None, method: str, url: str) -> str | None:
    if cred is None:
        return None
    if cred.token:
        return f"Bearer {cred.token}"
    challenge = _DIGEST.get(_space(url))
    if challenge is not None:
        return challenge.answer(method, url, cred.user, cred.password)
    return "Basic " + base64.b64encode(f"{cred.user}:{cred.password}".encode()).decode("ascii")


def _digest_again(cred: Credentials | None, url: str, headers) -> bool:
    """After a 401: True when answering its Digest challenge may succeed (the request went
    with Basic, or with a nonce the server no longer takes)."""
    if cred is None or cred.token:
        return False
    challenge = parse_digest(headers)
    if challenge is None:
        return False
    key = _space(url)
    before = _DIGEST.get(key)
    _DIGEST[key] = challenge
    return before is None or challenge.stale


USER_AGENT = "kg (SPARQL 1.1 Protocol client)"


def _request(method: str, url: str, *, data=None, headers: dict, timeout: float | None,
             action: str, write: bool = False, limit: int | None = None):
    """One HTTP exchange; returns (content type, body bytes).  Every failure is a KgError.

    ``data`` is bytes, or a function that returns the body afresh (an iterator of blocks):
    a request answered by a Digest challenge is sent again.  The answer is read in blocks, at
    most :func:`max_bytes` of it.
    """

    cred = _credentials()
    t = _timeout(timeout)
    cap = max_bytes(limit)
    if cred is not None and not cred.token:
        _probe(url, t)
    for attempt in (1, 2):
        h = dict(headers)
        auth = _authorization(cred, method, url)
        if auth:
            h["Authorization"] = auth
        h.setdefault("User-Agent", USER_AGENT)
        body = data() if callable(data) else data
        try:
            try:
                return _exchange(method, url, body, h, t, cap, action, write)
            except _Broken as broken:
                # the server answered and closed while the body was still going (Virtuoso
                # does so on wrong credentials or a graph it will not write): its answer is
                # lost with the connection, so ask again with an empty POST, which adds
                # nothing whatever the server thinks of it (a comment alone), to hear the reason
                if not write:
                    raise _fail(RemoteError, broken.message) from None
                h2 = {k: v for k, v in h.items() if k.lower() not in ("authorization",
                                                                      "content-length")}
                auth2 = _authorization(cred, "POST", url)
                if auth2:
                    h2["Authorization"] = auth2
                try:
                    _exchange("POST", url, b"# kg: nothing to add\n", h2, t, cap, action, write)
                except _Broken:
                    pass
                raise _fail(RemoteError, broken.message) from None
        except _Unauthorized as e:
            if attempt == 1 and _digest_again(cred, url, e.headers):
                continue
            raise _fail(RemoteError, f"{action} was refused by {_shown(url)} (HTTP {e.code}): "
                                     f"{_refusal(cred, e.headers)}") from None
    raise AssertionError("unreachable")  # pragma: no cover


class _Broken(Exception):
    """The connection broke while a request was sent (its message, for the user)."""

    def __init__(self, message: str):
        self.message = message


class _Unauthorized(Exception):
    def __init__(self, code: int, headers):
        self.code, self.headers = code, headers


def _refusal(cred: Credentials | None, headers) -> str:
    asks = _challenges(headers)
    wants = f" (it asks for {' or '.join(dict.fromkeys(asks))})" if asks else ""
    if cred is None:
        return (f"the server wants credentials{wants}: set {ENV_USER} and {ENV_PASSWORD} "
                f"(HTTP Basic or Digest) or {ENV_TOKEN} (Bearer)")
    if cred.token and any(a.lower() in ("basic", "digest") for a in asks) and not any(
            a.lower() == "bearer" for a in asks):
        return (f"the server refused the token from the environment{wants}: set {ENV_USER} "
                f"and {ENV_PASSWORD} instead of {ENV_TOKEN}")
    return f"the server refused the credentials from the environment{wants}"


def _exchange(method, url, data, headers, t, cap, action, write):
    import socket
    import ssl
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    shown = _shown(url)
    host = urlsplit(url).netloc
    try:
        with _opener(url).open(req, timeout=t) as resp:
            state = (resp.headers.get("X-SQL-State") or "").strip()
            if state and not write:  # Virtuoso's "anytime" answer: a part of the rows
                raise _fail(RemoteError, f"the answer of {shown} is incomplete: the server "
                                         f"stopped the query at its time limit ({state[:20]}; "
                                         "Virtuoso: MaxQueryExecutionTime in the [SPARQL] "
                                         "section of virtuoso.ini) and sent what it had found "
                                         "so far: raise the limit, or narrow the query")
            rows = resp.headers.get("X-SPARQL-MaxRows")
            if rows and not write:
                raise _fail(RemoteError, f"the answer of {shown} stops at the server's limit of "
                                         f"{rows.strip()[:20]} rows, so it may be cut short "
                                         "(Virtuoso: ResultSetMaxRows in the [SPARQL] section "
                                         "of virtuoso.ini): raise the limit, or narrow the "
                                         "query")
            return resp.headers.get("Content-Type", ""), _read_capped(resp, cap, shown)
    except urllib.error.HTTPError as e:
        code = e.code
        if code in (401, 407):
            e.close()
            raise _Unauthorized(code, e.headers) from None
        detail = scrub(_body_text(e))
        said = f": {detail}" if detail else ""
        if code == 403 and write:
            raise _fail(ReadOnlyError, f"the server refuses writes (read-only?): {shown} "
                                       f"answered HTTP 403{said}") from None
        if code == 403:
            raise _fail(RemoteError, f"{action} was refused by {shown} (HTTP 403){said}: check the "
                                     "credentials and the permissions") from None
        if code == 404:
            raise _fail(RemoteError, f"nothing at {shown} (HTTP 404){said}: check the URL "
                                     f"({LAYOUTS})") from None
        if code in (405, 415) and write:
            raise _fail(RemoteError, f"{shown} does not take Graph Store uploads (HTTP {code})"
                                     f"{said}: is it the Graph Store URL? give it with "
                                     "--store-url") from None
        if code in (405, 406, 415):
            raise _fail(RemoteError, f"{shown} does not take SPARQL queries (HTTP {code})"
                                     f"{said}: is it the query endpoint? ({LAYOUTS})") from None
        if code == 400 and not write:
            raise _fail(QueryError, f"the server rejected the query (HTTP 400){said}") from None
        hint = _server_hint(e.headers, detail)
        if 400 <= code < 500:
            raise _fail(RemoteError, f"{action} was refused by {shown} (HTTP {code}){said}{hint}"
                        ) from None
        cls = DeadlockError if write and _DEADLOCK.search(detail) else RemoteError
        raise _fail(cls, f"{action} failed on the server {shown} (HTTP {code}){said}"
                                 f"{hint}") from None
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, ConnectionRefusedError):
            msg = f"cannot connect to {host}: connection refused (is the server running?)"
        elif isinstance(reason, socket.gaierror):
            msg = (f"cannot find the host {urlsplit(url).hostname!r} (DNS lookup failed): "
                   "check the URL")
        elif isinstance(reason, (TimeoutError, socket.timeout)):
            msg = f"no answer from {host} within {t:g} s ({ENV_TIMEOUT} sets the limit)"
        elif isinstance(reason, ssl.SSLError):
            msg = f"TLS failure with {host}: {scrub(str(reason))}"
        elif isinstance(reason, KgError):
            raise _fail(type(reason), str(reason)) from None
        elif isinstance(reason, ConnectionError) and data:
            hint = " (does it refuse writes, or this size?)" if write else ""
            raise _Broken(f"{action} failed: the connection to {host} broke while it was sent "
                          f"({scrub(str(reason))}){hint}") from None
        else:
            msg = f"cannot reach {host}: {scrub(str(reason))}"
        cls = NoAnswerError if isinstance(reason, (TimeoutError, socket.timeout)) else RemoteError
        raise _fail(cls, f"{action} failed: {msg}") from None
    except TimeoutError:
        raise _fail(NoAnswerError, f"{action} failed: no answer from {host} within {t:g} s "
                                 f"({ENV_TIMEOUT} sets the limit)") from None
    except ConnectionError as e:
        hint = " (does it refuse writes, or this size?)" if write else ""
        message = f"{action} failed: the connection to {host} broke ({scrub(str(e))}){hint}"
        if data:
            raise _Broken(message) from None
        raise _fail(RemoteError, message) from None
    except OSError as e:  # http.client errors are OSError-free; remaining socket errors
        raise _fail(RemoteError, f"{action} failed: cannot reach {host}: {scrub(str(e))}"
                    ) from None
    except Exception as e:
        import http.client

        if isinstance(e, http.client.HTTPException):
            raise _fail(RemoteError, f"{action} failed: {host} sent a broken HTTP answer "
                                     f"({type(e).__name__}): is it a SPARQL server?") from None
        raise


def _server_hint(headers, detail: str) -> str:
    """What to do about a server's known refusals (Virtuoso's Graph Store has no writable
    default graph unless configured)."""
    if "not configured to have default graph" in detail:
        return (": Virtuoso has no default graph to write into (its queries read the union "
                "of all graphs): push into a named graph with --graph IRI and query it with "
                "the same --graph IRI")
    return ""


# --------------------------------------------------------------------------- queries

@dataclass
class RemoteStore:
    """A SPARQL 1.1 query endpoint that ``kg.read.query.select`` runs queries on."""

    endpoint: str
    graph: str | None = None  # default-graph-uri: query this named graph
    timeout: float | None = None
    max_bytes: int | None = None  # the largest answer read (default: KG_ENDPOINT_MAX_BYTES)

    remote = True

    def __post_init__(self):
        self.endpoint = query_url(self.endpoint)
        if self.graph is not None:
            from kg.read.query import check_iri

            check_iri(self.graph)

    def select_remote(self, text: str):
        """Run one (already bound, read-only) query; the same Result a local store gives."""
        from kg.read.query import _FORM, Result, _strip, is_update
        from kg.read.query import QueryError as QE

        if is_update(text):  # select() refuses first; kept here for direct callers
            raise QE("kg query is read-only: SPARQL updates are refused")
        stripped = _strip(text)
        m = _FORM.search(stripped)
        graph_form = bool(m and m.group(1).upper() in ("CONSTRUCT", "DESCRIBE"))
        distinct = bool(m and re.match(r"SELECT\s+DISTINCT\b", stripped[m.start():],
                                       re.IGNORECASE))
        accept = (f"{NTRIPLES}, text/turtle;q=0.5" if graph_form
                  else f"{JSON_RESULTS}, application/json;q=0.9")
        form = [("query", text)]
        if self.graph is not None:
            form.append(("default-graph-uri", self.graph))
        ctype, body = _request("POST", self.endpoint, data=urlencode(form).encode("ascii"),
                               headers={"Content-Type": FORM, "Accept": accept},
                               timeout=self.timeout, action="the query", limit=self.max_bytes)
        if graph_form:
            return Result(triples=_ntriples(body, ctype, self.endpoint))
        result = parse_results(body, ctype, self.endpoint)
        if distinct:
            result.rows = _distinct(result.rows)
        return result

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None):
        """pyoxigraph's pattern lookup, answered by the server (default graph only)."""
        import pyoxigraph as ox

        from kg.read.query import select

        b = {}
        for name, t in (("s", subject), ("p", predicate), ("o", object)):
            if t is not None:
                b[name] = _from_ox(t)
        for r in select(self, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", b).rows:
            yield ox.Quad(_to_ox(r["s"]), _to_ox(r["p"]), _to_ox(r["o"]), ox.DefaultGraph())

    def __len__(self) -> int:
        from kg.read.query import select

        r = select(self, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(r.rows[0]["n"].value) if r.rows else 0


def _distinct(rows: list[dict]) -> list[dict]:
    """The rows without repeats, in their order: what SELECT DISTINCT promises.  Virtuoso 7.2
    repeats a row when a VALUES block of several values meets OPTIONAL literals (kg theme
    with narrower themes gave 43 rows for 40 works)."""
    seen, out = set(), []
    for row in rows:
        key = tuple(sorted((k, t.type, t.value, t.lang, t.datatype) for k, t in row.items()))
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def _from_ox(t):
    import pyoxigraph as ox

    from kg.read.query import Term

    if isinstance(t, ox.NamedNode):
        return Term("uri", t.value)
    if isinstance(t, ox.Literal):
        dt = t.datatype.value
        return Term("literal", t.value, t.language,
                    None if t.language or dt == XSD_STRING else dt)
    raise QueryError(f"cannot look up a {type(t).__name__} on a remote server")


def _to_ox(t):
    import pyoxigraph as ox

    if t.type == "uri":
        return ox.NamedNode(t.value)
    if t.type == "bnode":
        return ox.BlankNode(t.value)
    if t.lang:
        return ox.Literal(t.value, language=t.lang)
    if t.datatype:
        return ox.Literal(t.value, datatype=ox.NamedNode(t.datatype))
    return ox.Literal(t.value)


def _media(ctype: str) -> tuple[str, dict[str, str]]:
    """'Application/SPARQL-Results+JSON; Charset="UTF-8"' -> ('application/sparql-results+json',
    {'charset': 'UTF-8'}): the media type in lower case, its parameters by lower-case name."""
    media, *params = (ctype or "").split(";")
    out = {}
    for p in params:
        name, _, value = p.partition("=")
        out[name.strip().lower()] = value.strip().strip('"')
    return media.strip().lower(), out


_JSON_MEDIA = (JSON_RESULTS, "application/json")


def _not_results(ctype: str, url: str, what: str = "SPARQL JSON results",
                 why: str = "") -> RemoteError:
    kind = _media(ctype)[0] or "no content type"
    if why:  # the right type, a body that does not hold what it says
        return _fail(RemoteError, f"{_shown(url)} sent {what} that cannot be read (its "
                                  f"{kind} answer {why}): is the answer cut short, or the "
                                  "server misbehaving?")
    return _fail(RemoteError, f"{_shown(url)} did not answer with {what} (it sent {kind}): is "
                              f"it a SPARQL query endpoint? ({LAYOUTS})")


def parse_results(body: bytes, ctype: str, url: str = "the server"):
    """SPARQL 1.1 Query Results JSON -> ``kg.read.query.Result`` (engine-independent rows).

    The content type is compared without its parameters and case; its charset is honoured.
    """
    from kg.read.query import Result

    media, params = _media(ctype)
    claims = media in _JSON_MEDIA  # else (text/html, application/ld+json...) not results at all
    charset = params.get("charset") or "utf-8"
    try:
        try:
            text = body.decode(charset)
        except LookupError:
            text = body.decode("utf-8")
        doc = json.loads(text.lstrip("\ufeff"))
    except UnicodeDecodeError:
        raise _not_results(ctype, url, why=f"is not {charset} text") if claims else (
            _not_results(ctype, url)) from None
    except ValueError as e:
        raise _not_results(ctype, url, why=f"is not valid JSON: {scrub(str(e))[:120]}"
                           ) if claims else _not_results(ctype, url) from None
    try:
        if "boolean" in doc:
            return Result(boolean=bool(doc["boolean"]))
        names = [str(v) for v in doc["head"]["vars"]]
        rows = []
        for b in doc["results"]["bindings"]:
            rows.append({k: _term(v) for k, v in b.items() if k in names})
        return Result(vars=names, rows=rows)
    except (KeyError, TypeError, AttributeError, ValueError):
        raise _not_results(ctype, url, why="is JSON, but not in the SPARQL results layout "
                           "(head, results, bindings)") if claims else _not_results(
            ctype, url) from None


def _term(b: dict):
    from kg.read.query import Term

    kind, value = b["type"], b.get("value")
    if kind == "uri":
        return Term("uri", str(value))
    if kind in ("literal", "typed-literal"):  # typed-literal: Virtuoso's older JSON
        lang = b.get("xml:lang")
        dt = b.get("datatype")
        if lang or dt in (XSD_STRING, RDF_LANG):
            dt = None
        return Term("literal", str(value), lang or None, dt)
    if kind == "bnode":
        return Term("bnode", str(value))
    if kind == "triple" and isinstance(value, dict):
        parts = [_nt(_term(value[k])) for k in ("subject", "predicate", "object")]
        return Term("triple", " ".join(parts))
    raise ValueError(kind)


def _nt(t) -> str:
    from kg.read.query import _escape

    if t.type == "uri":
        return f"<{t.value}>"
    if t.type == "bnode":
        return f"_:{t.value}"
    if t.type == "triple":
        return f"<< {t.value} >>"
    s = f'"{_escape(t.value)}"'
    return s + (f"@{t.lang}" if t.lang else f"^^<{t.datatype}>" if t.datatype else "")


def _ntriples(body: bytes, ctype: str, url: str) -> str:
    """A CONSTRUCT/DESCRIBE answer (N-Triples, Turtle, RDF/XML...) as N-Triples text."""
    import pyoxigraph as ox

    media = _media(ctype)[0]
    fmt = ox.RdfFormat.from_media_type(media) if media else None
    if fmt is None:
        raise _not_results(ctype, url, "RDF")
    try:
        quads = ox.parse(body, format=fmt)
        return ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    except (SyntaxError, ValueError, OSError) as e:
        raise _not_results(ctype, url, "RDF", why=f"does not parse: {scrub(str(e))[:120]}"
                           ) from None


# --------------------------------------------------------------------------- upload

MEDIA = {".ttl": "text/turtle", ".nt": NTRIPLES, ".nq": "application/n-quads",
         ".trig": "application/trig", ".rdf": "application/rdf+xml",
         ".jsonld": "application/ld+json"}


@dataclass
class PushResult:
    url: str
    file: str
    bytes: int
    seconds: float
    replaced: bool
    graph: str | None
    triples: int | None = None  # held by the server afterwards, when it could be counted
    requests: int = 1  # the upload requests it took (more than one: sent as N-Triples)
    sent: int | None = None  # the triples sent, when the file was split into requests


def _chunks(f, size: int = CHUNK):
    while True:
        block = f.read(size)
        if not block:
            return
        yield block


def batch_size(batch: int | None = None) -> int:
    """The most triples in one upload request: ``batch``, else KG_ENDPOINT_BATCH, else
    :data:`DEFAULT_BATCH`."""
    if batch is not None:
        if int(batch) <= 0:
            raise InputError("the number of triples per upload request must be positive")
        return int(batch)
    raw = os.environ.get(ENV_BATCH, "").strip().replace("_", "").replace(",", "")
    if not raw:
        return DEFAULT_BATCH
    if not raw.isdigit() or int(raw) == 0:
        raise InputError(f"{ENV_BATCH} must be a positive number of triples per upload "
                         f"request, not {raw[:20]!r}")
    return int(raw)


# formats of one graph that kg can split into requests (a dataset's own graph names, in
# N-Quads or TriG, would not go into the graph asked for; JSON-LD is sent whole)
_SPLIT = {"text/turtle": "TURTLE", NTRIPLES: "N_TRIPLES", "application/rdf+xml": "RDF_XML"}


def _read_triples(path: Path, media: str):
    """The triples of an RDF file, read as they are needed; InputError if it does not parse."""
    import pyoxigraph as ox

    fmt = getattr(ox.RdfFormat, _SPLIT[media])
    try:
        yield from ox.parse(path=str(path), format=fmt)
    except (SyntaxError, ValueError) as e:
        raise InputError(f"{path}: cannot be read as {fmt.name}: {str(e)[:200]}") from None


def _batches(path: Path, media: str, size: int):
    """The triples of the file as (count, N-Triples body) of at most ``size`` triples, in the
    file's order, read as they are needed.  The triples that hold a blank node all go,
    together, into the last body: a blank node's label names the same node only within one
    request."""
    import pyoxigraph as ox

    plain, held = [], []

    def body(quads) -> bytes:  # quads of the default graph: N-Triples lines as they are
        return ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES)

    for q in _read_triples(path, media):
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
            held.append(q)
            continue
        plain.append(q)
        if len(plain) == size:
            yield len(plain), body(plain)
            plain = []
    rest = plain + held
    if rest:
        yield len(rest), body(rest)


def push(path: str | Path, store: str, graph: str | None = None, replace: bool = True,
         timeout: float | None = None, batch: int | None = None) -> PushResult:
    """Upload an RDF file to a Graph Store (``PUT`` replaces the graph, ``POST`` merges).

    A file of at most ``batch`` triples (:func:`batch_size`) is streamed in blocks with its
    Content-Length, in one request.  A larger one (Turtle, N-Triples, RDF/XML) is sent as
    N-Triples in requests of at most ``batch`` triples, read from the file as they go: the
    first replaces the graph (``PUT``) or adds to it, the others add (``POST``).  Memory stays
    flat whatever the size.  A request that fails after the first leaves part of the file on
    the server: the error says how much, and what to do.
    """
    path = Path(path)
    store = check_url(store, "Graph Store")
    media = MEDIA.get(path.suffix.lower())
    if media is None:
        raise InputError(f"{path}: unknown RDF format (use {', '.join(MEDIA)})")
    url = graph_target(store, graph)
    size = path.stat().st_size
    per = batch_size(batch)
    t0 = time.perf_counter()
    # read once before sending anything: a file that does not parse is never sent in part
    total = sum(1 for _ in _read_triples(path, media)) if media in _SPLIT else 0
    if total <= per:  # one request: the file itself, streamed
        with open(path, "rb") as f:
            def body():  # from the start again when a Digest challenge makes it resend
                f.seek(0)
                return _chunks(f)

            _write("PUT" if replace else "POST", url, body,
                   {"Content-Type": media, "Content-Length": str(size)}, timeout)
        return PushResult(_shown(url), str(path), size, time.perf_counter() - t0, replace,
                          graph)
    sent = requests = 0
    parts = _batches(path, media, per)
    ahead = _ahead(parts)
    try:
        for n, data in ahead:
            method = "PUT" if replace and requests == 0 else "POST"
            try:
                _write(method, url, data, {"Content-Type": NTRIPLES}, timeout)
            except KgError as e:
                raise type(e)(_scrub_long(_part_failed(
                    str(e), requests, -(-total // per), sent, n, per, replace, graph,
                    isinstance(e, NoAnswerError)))) from None
            requests += 1
            sent += n
    finally:
        ahead.close()  # waits for the body being made, if any
        parts.close()
    return PushResult(_shown(url), str(path), size, time.perf_counter() - t0, replace, graph,
                      requests=requests, sent=sent)


def _ahead(items):
    """The items of an iterator, each next one made in a thread while this one is used (the
    next request's body is made while the server takes this one); its errors come out here."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="kg-push") as pool:
        future = pool.submit(next, items, None)
        while True:
            item = future.result()
            if item is None:
                return
            future = pool.submit(next, items, None)
            yield item


def _write(method: str, url: str, data, headers: dict, timeout: float | None) -> None:
    """One upload request; sent again, after a wait, while the server answers that its
    transaction deadlocked (it then kept nothing of it), at most :data:`DEADLOCK_TRIES` times."""
    for attempt in range(1, DEADLOCK_TRIES + 1):
        try:
            _request(method, url, data=data, headers=headers, timeout=timeout,
                     action="the upload", write=True)
            return
        except DeadlockError as e:
            if attempt == DEADLOCK_TRIES:
                waited = DEADLOCK_WAIT * (2 ** (attempt - 1) - 1)
                raise DeadlockError(f"{e} (sent {attempt} times over {waited:g} s: the server "
                                    "stayed busy, with a checkpoint or other writers; push "
                                    "again later)") from None
            time.sleep(DEADLOCK_WAIT * 2 ** (attempt - 1))


def _part_failed(message: str, done: int, of: int, sent: int, n: int, per: int,
                 replace: bool, graph: str | None, unanswered: bool = False) -> str:
    """The error of an upload request that failed, with what is on the server now
    (``unanswered``: the request timed out, and the server may still be taking it)."""
    into = f"<{graph}>" if graph else "the default graph"
    what = (f"request {done + 1} of the {of} of the upload (triples {sent + 1:,} to "
            f"{sent + n:,} of the file, sent as N-Triples in requests of at most {per:,} "
            f"triples, {ENV_BATCH})")
    lower = f"if the server limits the size of a request, set {ENV_BATCH} lower"
    if unanswered:
        lower = (f"give the server more time with --timeout, or send less at once with "
                 f"{ENV_BATCH}")
        maybe = " (and perhaps this one: the server may still be taking it)"
    else:
        maybe = ""
    if done == 0 and not unanswered:
        if not re.search(r"HTTP 413|HTTP 5\d\d|broke", message):
            return message  # refused, unreachable...: nothing to do with the requests
        return f"{message} [{what}; nothing of the file was taken: {lower}]"
    how = ("the first replaced the graph and the others added to it: push again to replace "
           "it whole" if replace else "push again with --merge to add the rest (the triples "
           "already there are not doubled)")
    if done == 0:
        return (f"{message} [{what}; the server may still be taking it: check {into}, then "
                f"push again; {lower}]")
    return (f"{message} [{what}; {into} now holds only part of the file: the {sent:,} "
            f"triples of the {done} requests before it{maybe} ({how}; {lower})]")


def check_count(held: int, sent: int, graph: str | None, replace: bool) -> None:
    """After a push: a replaced graph holds exactly the triples sent, a merged one at least as
    many (a graph without blank nodes); else a RemoteError that says so."""
    into = f"<{graph}>" if graph else "the default graph"
    if (held != sent) if replace else (held < sent):
        kind = "not" if replace else "fewer than"
        raise _fail(RemoteError, f"the server holds {held} triples in {into}, {kind} the {sent} "
                                 "sent: it kept only part of the upload, or the count it "
                                 "answered is partial (Virtuoso under load: see its "
                                 "virtuoso.log and the [SPARQL] limits of virtuoso.ini): check "
                                 "the server and push again")


def count(endpoint: str, graph: str | None = None, timeout: float | None = None) -> int:
    """How many triples the server holds in the default graph (or in ``graph``)."""
    return len(RemoteStore(endpoint, graph, timeout))


__all__ = ["DeadlockError", "NoAnswerError", "PushResult", "ReadOnlyError", "RemoteError",
           "RemoteStore", "batch_size", "check_count", "count", "push", "query_url", "scrub",
           "store_url"]

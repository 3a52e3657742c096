"""Helpers for reading MIME as people actually send it.

Everything here is forgiving: functions return their best reading and, where a caller passes
an ``errors`` list, append a short note of what could not be read. Nothing raises on bad
input, except ``unpack_tnef``, which raises ``ValueError`` for data that is not TNEF.

- ``decode_text`` — bytes in a declared (or missing, or wrong) charset to ``str``.
- ``header_text`` / ``decode_words`` — raw header values (8-bit bytes, RFC 2047 encoded
  words, folded lines) to ``str``.
- ``parse_params`` — ``Content-Type`` / ``Content-Disposition`` values with RFC 2231
  parameters (continuations, ``charset'lang'value``) and quoted strings.
- ``transfer_decode`` — base64 (also damaged), quoted-printable and uuencoded bodies.
- ``default_filename`` — a name for a part that has none; names themselves are made
  safe by ``frontdesk.domain.filenames.safe_filename``, the rule for every channel.
- ``html_to_text`` — readable text from HTML (stdlib ``html.parser``, after nh3 has
  stripped what the text does not need).
- ``sanitize_html`` — HTML safe to show an agent (nh3), remote images blocked.
- ``unpack_tnef`` — the files inside a ``winmail.dat``.
"""

from __future__ import annotations

import binascii
import codecs
import contextlib
import html
import mimetypes
import re
import struct
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import unquote_to_bytes

import nh3

from frontdesk.domain.filenames import safe_filename as safe_filename  # one rule for every channel

# --------------------------------------------------------------------------- charsets

# Labels mail software writes, mapped to the codecs that read what it really meant: the
# superset its vendor actually emits (GB2312 → GB18030, EUC-KR → CP949, Shift_JIS → CP932,
# Latin-1 → windows-1252 as browsers do), tried in order.
_CHARSET_CHAINS: dict[str, tuple[str, ...]] = {
    "us-ascii": ("ascii",),
    "ascii": ("ascii",),
    "ansi_x3.4-1968": ("ascii",),
    "iso-8859-1": ("cp1252", "latin-1"),
    "iso8859-1": ("cp1252", "latin-1"),
    "iso_8859-1": ("cp1252", "latin-1"),
    "latin1": ("cp1252", "latin-1"),
    "latin-1": ("cp1252", "latin-1"),
    "l1": ("cp1252", "latin-1"),
    "cp819": ("cp1252", "latin-1"),
    "iso-8859-9": ("cp1254", "iso8859-9"),
    "latin5": ("cp1254", "iso8859-9"),
    "iso-8859-11": ("cp874", "iso8859-11"),
    "tis-620": ("cp874", "tis-620"),
    "windows-874": ("cp874",),
    "gb2312": ("gb18030",),
    "gb_2312": ("gb18030",),
    "gb_2312-80": ("gb18030",),
    "csgb2312": ("gb18030",),
    "euc-cn": ("gb18030",),
    "x-euc-cn": ("gb18030",),
    "gbk": ("gb18030",),
    "x-gbk": ("gb18030",),
    "cp936": ("gb18030",),
    "windows-936": ("gb18030",),
    "chinese": ("gb18030",),
    "hz-gb-2312": ("hz",),
    "big5": ("big5hkscs", "cp950"),
    "big-5": ("big5hkscs", "cp950"),
    "x-x-big5": ("big5hkscs", "cp950"),
    "cn-big5": ("big5hkscs", "cp950"),
    "csbig5": ("big5hkscs", "cp950"),
    "big5-hkscs": ("big5hkscs",),
    "euc-kr": ("cp949",),
    "x-euc-kr": ("cp949",),
    "cseuckr": ("cp949",),
    "ks_c_5601-1987": ("cp949",),
    "ks_c_5601": ("cp949",),
    "ksc5601": ("cp949",),
    "ksc_5601": ("cp949",),
    "korean": ("cp949",),
    "windows-949": ("cp949",),
    "iso-2022-kr": ("iso2022_kr",),
    "shift_jis": ("cp932", "shift_jis_2004"),
    "shift-jis": ("cp932", "shift_jis_2004"),
    "sjis": ("cp932", "shift_jis_2004"),
    "x-sjis": ("cp932", "shift_jis_2004"),
    "ms_kanji": ("cp932",),
    "csshiftjis": ("cp932",),
    "windows-31j": ("cp932",),
    "cp932": ("cp932",),
    "iso-2022-jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004"),
    "csiso2022jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004"),
    "iso-2022-jp-2": ("iso2022_jp_2", "iso2022_jp_2004"),
    "euc-jp": ("euc_jp", "euc_jis_2004"),
    "x-euc-jp": ("euc_jp", "euc_jis_2004"),
    "utf8": ("utf-8",),
    "utf-8": ("utf-8",),
    "unicode-1-1-utf-7": ("utf-7",),
    "x-unicode20utf8": ("utf-8",),
    "unicode-1-1-utf-8": ("utf-8",),
}

# Codecs Python has that are not character sets (or must never read mail): a label naming
# one is treated as unknown. Bytes-to-bytes codecs (zlib, base64, …) are refused separately.
_NOT_CHARSETS = frozenset(
    {"unicode_escape", "raw_unicode_escape", "idna", "punycode", "undefined", "mbcs", "oem"}
)
_LABEL_NOISE = re.compile(r"[\s\"']+")
_WINDOWS_LABEL = re.compile(r"^(?:cp|win|windows)[-_]?(\d{3,4})$")
_ISO_8859_SUFFIX = re.compile(r"(?<=^iso-8859-\d)-[ie]$")


@lru_cache(maxsize=512)
def charset_chain(label: str | None) -> tuple[str, ...]:
    """The codecs to try, in order, for a charset label; empty if the label is unknown."""
    if not label:
        return ()
    name = _LABEL_NOISE.sub("", label).lower()
    name = name.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*en
    if name in _CHARSET_CHAINS:
        return _CHARSET_CHAINS[name]
    if name.startswith("x-mac-"):
        name = "mac" + name[6:]
    elif name.startswith("x-"):
        name = name[2:]
    name = _WINDOWS_LABEL.sub(r"cp\1", name)  # win-1251, windows1252, cp-1250 …
    name = _ISO_8859_SUFFIX.sub("", name)  # iso-8859-8-i (Hebrew, logical order) …
    if name in _CHARSET_CHAINS:
        return _CHARSET_CHAINS[name]
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return ()
    if not getattr(info, "_is_text_encoding", True):
        return ()
    if info.name.replace("-", "_") in _NOT_CHARSETS:
        return ()
    return (info.name,)


def _detect(data: bytes) -> str | None:
    """The charset detection guesses for data of no reliable charset, or None."""
    if len(data) < 32:
        return None  # too little to tell: the Latin-1 fallback is as good a guess
    from charset_normalizer import from_bytes  # imported on first need: rarely used

    try:
        best = from_bytes(data[:65536]).best()
    except Exception:  # detection is a guess; a failure only means no guess
        return None
    if best is None:
        return None
    encoding = best.encoding
    return encoding if charset_chain(encoding) else None


def _fallback(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_text(
    data: bytes, charset: str | None, *, detect: bool = True, hint: str | None = None
) -> tuple[str, str | None]:
    """Decode ``data`` labelled ``charset``: returns the text and a note when it was a guess.

    Order: the label's codecs; UTF-8; ``hint`` (another charset the message declared);
    detection (when ``detect``); windows-1252/Latin-1, which reads anything.
    """
    if not data:
        return "", None
    chain = charset_chain(charset)
    for codec in chain:
        try:
            return data.decode(codec), None
        except UnicodeDecodeError:
            continue
    if chain == ("ascii",) or (not chain and not charset):
        note = None  # unlabelled 8-bit text: UTF-8 is the usual meaning, not an error
    elif chain:
        note = f"text is not valid {(charset or '')[:40]}"
    else:
        note = f"unknown charset {(charset or '')[:40]!r}"
    try:
        return data.decode("utf-8"), note and f"{note}; read as UTF-8"
    except UnicodeDecodeError:
        pass
    for codec in charset_chain(hint):
        if codec in chain:
            continue
        try:
            return data.decode(codec), f"{note or 'text without charset'}; read as {hint}"
        except UnicodeDecodeError:
            continue
    if detect:
        guess = _detect(data)
        if guess:
            for codec in charset_chain(guess):
                try:
                    text = data.decode(codec)
                except UnicodeDecodeError:
                    continue
                return text, f"{note or 'text without charset'}; detected {guess}"
    return _fallback(data), f"{note or 'text without charset'}; read as Latin-1 (windows-1252)"


# --------------------------------------------------------------------------- headers

_FOLD = re.compile(r"\r?\n(?=[ \t])")
_LINE_BREAK = re.compile(r"[\r\n]+")
ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([bBqQ])\?([^?]*?)\?=")
_Q_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")


def unfold(value: str) -> str:
    """One logical line: folding line breaks dropped, stray line breaks made spaces."""
    if "\n" not in value and "\r" not in value:
        return value
    return _LINE_BREAK.sub(" ", _FOLD.sub("", value))


def raw_header_str(value: object, hint: str | None = None) -> str:
    """A header value as the stdlib parser stored it (8-bit bytes kept as surrogate
    escapes) to ``str``: 8-bit bytes read as UTF-8, else as ``hint``, else windows-1252.
    Encoded words are left as they are."""
    if not isinstance(value, str):
        value = str(value)
    try:
        value.encode("ascii")
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogateescape")
        text, _ = decode_text(raw, "utf-8", detect=False, hint=hint)
        value = text
    return unfold(value)


_NOT_BASE64_CHAR = re.compile(r"[^A-Za-z0-9+/]")


def _decode_b(payload: str) -> bytes:
    data = _NOT_BASE64_CHAR.sub("", payload)
    if len(data) % 4 == 1:
        data = data[:-1]  # a lone trailing character carries no whole byte
    data += "=" * (-len(data) % 4)
    try:
        return binascii.a2b_base64(data)
    except (binascii.Error, ValueError):
        return payload.encode("utf-8", "surrogateescape")


def _decode_q(payload: str, charset: str) -> bytes:
    payload = payload.replace("_", " ")
    raw = None
    if not payload.isascii():  # raw 8-bit inside the word: give it back in the word's charset
        for codec in charset_chain(charset):
            try:
                raw = payload.encode(codec)
                break
            except UnicodeEncodeError:
                continue
    if raw is None:
        raw = payload.encode("utf-8", "surrogateescape")
    return _Q_HEX.sub(lambda m: bytes((int(m.group(1), 16),)), raw)


def decode_words(value: str, hint: str | None = None, errors: list[str] | None = None) -> str:
    """Decode RFC 2047 encoded words wherever they are (also inside quotes or glued to
    other text, as broken mailers write them). Whitespace between adjacent encoded words is
    dropped, and adjacent words in one charset are joined before decoding so a character
    split across two words survives."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending_charset: str | None = None
    pending = bytearray()
    pos = 0
    after_word = False

    def flush() -> None:
        nonlocal pending_charset
        if pending_charset is not None:
            text, note = decode_text(bytes(pending), pending_charset, detect=False, hint=hint)
            if note and errors is not None:
                errors.append(f"header: {note}")
            out.append(text)
            pending_charset = None
            pending.clear()

    for match in ENCODED_WORD.finditer(value):
        gap = value[pos : match.start()]
        if gap and not (after_word and gap.isspace()):
            flush()
            out.append(gap)
        charset = match.group(1).split("*", 1)[0].lower() or "us-ascii"
        kind = match.group(2).lower()
        payload = match.group(3)
        data = _decode_b(payload) if kind == "b" else _decode_q(payload, charset)
        if charset != pending_charset:
            flush()
            pending_charset = charset
        pending.extend(data)
        pos = match.end()
        after_word = True
    flush()
    out.append(value[pos:])
    return "".join(out)


def header_text(value: object, hint: str | None = None, errors: list[str] | None = None) -> str:
    """A raw header value as readable text: 8-bit bytes and encoded words decoded,
    unfolded, NUL and other control characters (except tab) removed, trimmed."""
    text = decode_words(raw_header_str(value, hint), hint, errors)
    return clean_control(text).strip()


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_control(text: str) -> str:
    """Drop C0 control characters other than tab (and line breaks, which headers lack)."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


# --------------------------------------------------------------------------- parameters


def _split_params(value: str) -> list[str]:
    """Split at semicolons that are not inside a quoted string."""
    if '"' not in value:
        return value.split(";")
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    value = value.strip()
    if not value.startswith('"'):
        return value
    out: list[str] = []
    escaped = False
    for char in value[1:]:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            break
        else:
            out.append(char)
    return "".join(out)


_CONTINUATION = re.compile(r"^(.*?)\*(\d+)(\*?)$")


def _from_2231(pieces: list[tuple[bool, str]]) -> str:
    """Join RFC 2231 pieces ``(is_percent_encoded, text)``; the first encoded piece may
    start with ``charset'language'``."""
    charset = ""
    data = bytearray()
    encoded_run: list[str] = []  # percent-decoded together: mailers split inside "%XX"
    for index, (encoded, text) in enumerate(pieces):
        if encoded:
            if index == 0 and text.count("'") >= 2:
                charset, _language, text = text.split("'", 2)
            encoded_run.append(text)
            continue
        if encoded_run:
            data.extend(unquote_to_bytes("".join(encoded_run)))
            encoded_run = []
        data.extend(text.encode("utf-8", "surrogateescape"))
    if encoded_run:
        data.extend(unquote_to_bytes("".join(encoded_run)))
    decoded, _ = decode_text(bytes(data), charset or "utf-8", detect=False)
    return decoded


def parse_params(value: str) -> tuple[str, dict[str, str]]:
    """``text/plain; charset="utf-8"`` → ``("text/plain", {"charset": "utf-8"})``.

    The main value is lowercased; parameter names are lowercased; values are unquoted, RFC
    2231 continuations joined and decoded, and (as many mailers write them) RFC 2047
    encoded words in plain values decoded too.
    """
    segments = _split_params(value)
    main = segments[0].strip()
    if " " in main or "\t" in main:  # "multipart/mixed boundary=x": a semicolon forgotten
        main, _, rest = main.replace("\t", " ").partition(" ")
        segments.insert(1, rest)
    main = main.lower()
    plain: dict[str, str] = {}
    extended: dict[str, str] = {}
    continued: dict[str, dict[int, tuple[bool, str]]] = {}
    for segment in segments[1:]:
        name, sep, raw = segment.partition("=")
        if not sep:
            continue
        name = name.strip().lower()
        if not name:
            continue
        text = _unquote(raw)
        match = _CONTINUATION.match(name)
        if match:
            base, number, star = match.group(1), int(match.group(2)), match.group(3)
            if number < 1000:
                continued.setdefault(base, {})[number] = (bool(star), text)
        elif name.endswith("*"):
            base = name[:-1]
            if "'" not in text:
                text = "''" + text  # a value without charset'lang' prefix: read as UTF-8
            extended[base] = _from_2231([(True, text)])
        elif name not in plain:
            plain[name] = decode_words(text) if "=?" in text else text
    for base, numbered in continued.items():
        pieces = [numbered[n] for n in sorted(numbered)]
        if base not in extended:
            joined = _from_2231(pieces) if any(enc for enc, _ in pieces) else None
            if joined is None:
                text = "".join(text for _, text in pieces)
                joined = decode_words(text) if "=?" in text else text
            extended[base] = joined
    plain.update(extended)
    return main, plain


# --------------------------------------------------------------------------- transfer encodings

NOT_BASE64 = "base64 part is not base64 (over 1% other characters); kept as it is"
_BASE64_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_BASE64_OR_SPACE = _BASE64_CHARS + b" \t\r\n\x0b\x0c"
_BASE64_CHUNK = re.compile(rb"[A-Za-z0-9+/]+=*")


def _decode_base64(data: bytes) -> tuple[bytes, str | None]:
    invalid = len(data.translate(None, _BASE64_OR_SPACE))
    if invalid * 100 > len(data):
        return data, NOT_BASE64
    note = f"base64 part has {invalid} invalid characters; skipped" if invalid else None
    tail = data.rstrip()
    padding = tail.find(b"=")
    if padding == -1 or padding >= len(tail) - 2:  # one run of base64: the C fast path
        try:
            return binascii.a2b_base64(data), note
        except (binascii.Error, ValueError):
            pass
    # Padding in the middle (pieces encoded one by one) or a broken end: piece by piece.
    out = bytearray()
    damaged = False
    chunks = _BASE64_CHUNK.findall(data.translate(None, b" \t\r\n\x0b\x0c"))
    for index, chunk in enumerate(chunks):
        if index and len(chunk) % 4:
            damaged = True  # text after the end of the data (encoders pad every piece)
            continue
        core = chunk.rstrip(b"=")
        if len(core) % 4 == 1:
            core = core[:-1]  # a lone character holds no whole byte
            damaged = True
        try:
            out += binascii.a2b_base64(core + b"=" * (-len(core) % 4))
        except (binascii.Error, ValueError):
            damaged = True
    if damaged and not note:
        note = "base64 part is damaged; read what could be read"
    return bytes(out), note


def _decode_uu(data: bytes) -> tuple[bytes, str | None]:
    out = bytearray()
    started = False
    for line in data.splitlines():
        if not started:
            started = line.startswith(b"begin ")
            continue
        if line.strip() == b"end":
            return bytes(out), None
        if not line.strip():
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            # Encoders that pad lines wrongly: decode only the length the line declares.
            try:
                count = (line[0] - 32) & 63
                out += binascii.a2b_uu(line[: 1 + (count + 2) // 3 * 4])
            except binascii.Error:
                return bytes(out), "uuencoded part is damaged; read what could be read"
    if not started:
        return data, "uuencoded part has no begin line; kept as it is"
    return bytes(out), None


def transfer_decode(payload: str | bytes, encoding: str) -> tuple[bytes, str | None]:
    """A part's body as bytes, undoing its Content-Transfer-Encoding (``encoding``,
    lowercased and trimmed). Returns the bytes and a note when the body was damaged."""
    if isinstance(payload, str):
        try:
            data = payload.encode("ascii", "surrogateescape")
        except UnicodeEncodeError:
            data = payload.encode("utf-8", "surrogateescape")
    else:
        data = payload
    if encoding == "base64":
        return _decode_base64(data)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(data), None
    if encoding in ("x-uuencode", "uuencode", "x-uue", "uue"):
        return _decode_uu(data)
    return data, None


# --------------------------------------------------------------------------- file names

_MIME_TYPES = mimetypes.MimeTypes()  # the built-in table only: the same on every host
_PREFERRED_EXTENSIONS = {
    "application/octet-stream": ".bin",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "text/html": ".html",
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "application/ms-tnef": ".dat",
    "application/vnd.ms-tnef": ".dat",
    "application/pgp-signature": ".asc",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "text/calendar": ".ics",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "text/rfc822-headers": ".txt",
}


def default_filename(content_type: str, stem: str = "attachment") -> str:
    """``attachment.pdf`` for ``application/pdf``; ``attachment.bin`` when unknown."""
    ext = _PREFERRED_EXTENSIONS.get(content_type)
    if ext is None:
        ext = _MIME_TYPES.guess_extension(content_type, strict=False) or ".bin"
    return stem + ext


# --------------------------------------------------------------------------- HTML → text

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "center", "dd", "details", "dialog", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup",
        "main", "nav", "section", "summary", "tr", "caption", "thead", "tbody", "tfoot",
    }
)  # fmt: skip
_PARAGRAPH_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "hr"}
)
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript", "xml"})
_WHITESPACE = re.compile(r"\s+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.links: list[tuple[str | None, int]] = []
        self.cells = 0

    def _at_line_start(self) -> bool:
        for piece in reversed(self.out):
            if piece:
                return piece.endswith("\n")
        return True

    def _newlines(self, count: int) -> None:
        """End the current line and make sure ``count`` line breaks precede what follows."""
        while self.out and self.out[-1].endswith((" ", "\t")) and not self.pre:
            self.out[-1] = self.out[-1].rstrip(" \t")
        existing = 0
        for piece in reversed(self.out):
            if not piece:
                continue
            stripped = piece.rstrip("\n")
            existing += len(piece) - len(stripped)
            if stripped:
                break
        else:
            return  # nothing written yet: no leading blank lines
        if existing < count:
            self.out.append("\n" * (count - existing))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        if tag == "body":
            self.skip = 0
            return
        if self.skip:
            return
        if tag == "br":
            self.out.append("\n")
        elif tag in _PARAGRAPH_TAGS:
            self._newlines(2)
            if tag == "pre":
                self.pre += 1
            elif tag == "hr":
                self.out.append("---")
                self._newlines(2)
        elif tag == "li":
            self._newlines(1)
            self.out.append("- ")
        elif tag in _BLOCK_TAGS:
            self._newlines(1)
            if tag == "tr":
                self.cells = 0
        elif tag in ("td", "th"):
            if self.cells:
                self.out.append("  ")
            self.cells += 1
        elif tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.out)))
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self.out.append(f"[{_WHITESPACE.sub(' ', alt)}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            return  # <style/>: nothing to skip
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in _PARAGRAPH_TAGS:
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            self._newlines(2)
        elif tag in _BLOCK_TAGS or tag == "li":
            self._newlines(1)
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            self._link(href, start)

    def _link(self, href: str | None, start: int) -> None:
        if not href:
            return
        href = href.strip()
        lowered = href.lower()
        if not lowered.startswith(("http://", "https://", "mailto:", "ftp://", "tel:")):
            return  # anchors, cid:, javascript: … say nothing useful in text
        label = "".join(self.out[start:]).strip()
        shown = href[7:] if lowered.startswith("mailto:") else href
        if not label:
            self.out.append(shown)
        elif shown.rstrip("/") not in label and label.rstrip("/") not in shown:
            self.out.append(f" ({shown})")

    def handle_data(self, data: str) -> None:
        if self.skip or not data:
            return
        if self.pre:
            self.out.append(data)
            return
        text = _WHITESPACE.sub(" ", data)
        if text == " ":
            if not self._at_line_start() and self.out and not self.out[-1].endswith(" "):
                self.out.append(" ")
            return
        if self._at_line_start():
            text = text.lstrip(" ")
        elif text.startswith(" ") and self.out and self.out[-1].endswith(" "):
            text = text[1:]
        self.out.append(text)

    def text(self) -> str:
        lines = "".join(self.out).replace("\xa0", " ").split("\n")
        return "\n".join(line.rstrip() for line in lines).strip("\n") + "\n"


_TEXT_TAGS = _BLOCK_TAGS | _PARAGRAPH_TAGS | {"br", "li", "td", "th", "a", "img"}


def _reduce(markup: str) -> str:
    """The same document with only the elements the text conversion looks at: nh3 (a real
    HTML5 parser, in Rust) drops scripts, styles, the head and every inline element and
    attribute, and closes what was left open, so the Python parser has far less to do."""
    return str(_REDUCER.clean(markup))


_REDUCER = nh3.Cleaner(
    tags=_TEXT_TAGS,
    clean_content_tags={"script", "style", "title", "template", "noscript", "xml"},
    attributes={"a": {"href"}, "img": {"alt"}},
    link_rel=None,
    strip_comments=True,
)


def html_to_text(markup: str) -> str:
    """Readable plain text from HTML: block elements become line breaks, links are kept as
    ``text (url)``, scripts, styles and the document head are dropped."""
    with contextlib.suppress(Exception):
        markup = _reduce(markup)
    parser = _TextExtractor()
    # html.parser is lenient; anything it still chokes on ends the text there.
    with contextlib.suppress(Exception):
        parser.feed(markup)
        parser.close()
    result = parser.text()
    return "" if result == "\n" else result


# --------------------------------------------------------------------------- sanitising

_EMAIL_TAGS = (set(nh3.ALLOWED_TAGS) | {"font", "tfoot"}) - {"title"}
_EMAIL_ATTRIBUTES: dict[str, set[str]] = {
    tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()
}
for _tag, _extra in {
    "*": {"style", "dir", "lang", "title", "align"},
    "a": {"href", "name", "target"},
    "img": {"src", "alt", "width", "height", "title", "border"},
    "table": {"width", "height", "border", "cellpadding", "cellspacing", "bgcolor"},
    "td": {"width", "height", "valign", "bgcolor", "nowrap"},
    "th": {"width", "height", "valign", "bgcolor", "nowrap"},
    "tr": {"valign", "bgcolor"},
    "font": {"color", "face", "size"},
    "div": {"align"},
    "p": {"align"},
    "ol": {"type", "start"},
    "ul": {"type"},
    "col": {"width"},
}.items():
    _EMAIL_ATTRIBUTES.setdefault(_tag, set()).update(_extra)

# CSS properties that only lay out and colour; none of them can load a URL.
_STYLE_PROPERTIES = frozenset(
    {
        "color", "background-color", "font", "font-family", "font-size", "font-style",
        "font-weight", "font-variant", "text-align", "text-decoration", "text-indent",
        "text-transform", "line-height", "letter-spacing", "word-spacing", "white-space",
        "vertical-align", "direction", "width", "height", "max-width", "min-width",
        "max-height", "min-height", "margin", "margin-top", "margin-right", "margin-bottom",
        "margin-left", "padding", "padding-top", "padding-right", "padding-bottom",
        "padding-left", "border", "border-top", "border-right", "border-bottom",
        "border-left", "border-color", "border-style", "border-width", "border-collapse",
        "border-spacing", "border-radius", "list-style-type", "display", "float", "clear",
        "table-layout", "overflow-wrap", "word-break",
    }
)  # fmt: skip
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid", "data"}
_DATA_IMAGE = re.compile(r"^data:image/(?:png|gif|jpe?g|webp|bmp);", re.IGNORECASE)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute in ("href", "src", "cite") and value[:5].lower() == "data:":
        # data: URLs only as inline pictures; never as links (data:text/html is a page).
        return value if tag == "img" and attribute == "src" and _DATA_IMAGE.match(value) else None
    if attribute == "target":
        return "_blank"
    return value


_IMG_TAG = re.compile(r'<img((?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*)\s*/?>')
_SRC_ATTRIBUTE = re.compile(r'(\s)src="([^"]*)"')


def _block_remote(match: re.Match[str]) -> str:
    attributes = match.group(1)

    def rewrite(src: re.Match[str]) -> str:
        url = src.group(2)
        lowered = url[:5].lower()
        if lowered.startswith("cid:") or lowered == "data:":
            return src.group(0)
        return f'{src.group(1)}data-remote-src="{url}"'

    return "<img" + _SRC_ATTRIBUTE.sub(rewrite, attributes) + ">"


_SANITIZER = nh3.Cleaner(
    tags=_EMAIL_TAGS,
    clean_content_tags={"script", "style", "title"},
    attributes=_EMAIL_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    url_schemes=_URL_SCHEMES,
    link_rel="noopener noreferrer nofollow",
    filter_style_properties=_STYLE_PROPERTIES,
)


def sanitize_html(markup: str) -> str:
    """HTML safe to show: no scripts, event handlers, forms, ``javascript:`` URLs or
    styles that load anything. Inline images (``cid:``, ``data:image``) keep their ``src``;
    every other image source moves to ``data-remote-src`` so nothing is fetched until an
    agent allows it."""
    cleaned = str(_SANITIZER.clean(markup))
    if "<img" in cleaned:
        cleaned = _IMG_TAG.sub(_block_remote, cleaned)
    return cleaned


def text_to_html(text: str) -> str:
    """Plain text as an HTML block that keeps its line breaks."""
    return f'<pre style="white-space: pre-wrap">{html.escape(text, quote=False)}</pre>'


# --------------------------------------------------------------------------- TNEF

_TNEF_SIGNATURE = 0x223E9F78
_ATT_ATTACH_REND_DATA = 0x00069002
_ATT_ATTACH_TITLE = 0x00018010
_ATT_ATTACH_DATA = 0x0006800F
_ATT_ATTACHMENT = 0x00069005
_ATT_OEM_CODEPAGE = 0x00069007
_PR_ATTACH_LONG_FILENAME = 0x3707
_PR_ATTACH_MIME_TAG = 0x370E
_PR_ATTACH_CONTENT_ID = 0x3712
_FIXED_SIZES = {
    0x0002: 4, 0x0003: 4, 0x0004: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8, 0x000A: 4,
    0x000B: 4, 0x0014: 8, 0x0040: 8, 0x0048: 16, 0x0001: 0,
}  # fmt: skip
_VARIABLE_TYPES = frozenset({0x001E, 0x001F, 0x0102, 0x000D})


class TnefFile:
    """One file from a winmail.dat."""

    __slots__ = ("content_id", "content_type", "data", "filename")

    def __init__(self) -> None:
        self.filename = ""
        self.content_type = ""
        self.content_id: str | None = None
        self.data = b""


def _mapi_strings(block: bytes, codepage: str) -> dict[int, str]:
    """The string properties of a MAPI property block (long file name, MIME type…)."""
    found: dict[int, str] = {}
    (count,) = struct.unpack_from("<I", block, 0)
    pos = 4
    for _ in range(min(count, 4096)):
        prop_type, prop_id = struct.unpack_from("<HH", block, pos)
        pos += 4
        if prop_id >= 0x8000:  # named property: GUID, kind, then an id or a name
            pos += 16
            (kind,) = struct.unpack_from("<I", block, pos)
            pos += 4
            if kind == 0:
                pos += 4
            else:
                (length,) = struct.unpack_from("<I", block, pos)
                pos += 4 + length + (-length % 4)
        multi = bool(prop_type & 0x1000)
        base = prop_type & 0x0FFF
        if base in _VARIABLE_TYPES:
            (values,) = struct.unpack_from("<I", block, pos)
            pos += 4
            for _ in range(min(values, 4096)):
                (length,) = struct.unpack_from("<I", block, pos)
                pos += 4
                value = block[pos : pos + length]
                pos += length + (-length % 4)
                if not multi and base in (0x001E, 0x001F):
                    codec = "utf-16-le" if base == 0x001F else codepage
                    found[prop_id] = value.decode(codec, "replace").rstrip("\x00")
        elif base in _FIXED_SIZES:
            size = _FIXED_SIZES[base]
            if multi:
                (values,) = struct.unpack_from("<I", block, pos)
                pos += 4 + values * size
            else:
                pos += size
        else:
            break  # a type this reader does not know: stop, keep what was found
    return found


def unpack_tnef(data: bytes) -> list[TnefFile]:
    """The attached files of a TNEF stream (winmail.dat). Message bodies (often compressed
    RTF) are not extracted. Raises ``ValueError`` on data that is not TNEF."""
    if len(data) < 6 or struct.unpack_from("<I", data, 0)[0] != _TNEF_SIGNATURE:
        raise ValueError("not a TNEF stream")
    files: list[TnefFile] = []
    codepage = "cp1252"
    current: TnefFile | None = None
    pos = 6
    while pos + 9 <= len(data):
        level, attribute, length = struct.unpack_from("<BII", data, pos)
        pos += 9
        value = data[pos : pos + length]
        pos += length + 2  # value and its checksum
        if len(value) < length:
            raise ValueError("TNEF stream is truncated")
        if level not in (1, 2):
            raise ValueError("TNEF stream is damaged")
        if attribute == _ATT_OEM_CODEPAGE and length >= 4:
            (number,) = struct.unpack_from("<I", value, 0)
            if charset_chain(f"cp{number}"):
                codepage = f"cp{number}"
        elif attribute == _ATT_ATTACH_REND_DATA:
            current = TnefFile()
            files.append(current)
        elif current is None:
            continue
        elif attribute == _ATT_ATTACH_TITLE:
            current.filename = value.split(b"\x00", 1)[0].decode(codepage, "replace")
        elif attribute == _ATT_ATTACH_DATA:
            current.data = value
        elif attribute == _ATT_ATTACHMENT:
            try:
                strings = _mapi_strings(value, codepage)
            except struct.error:
                continue
            if strings.get(_PR_ATTACH_LONG_FILENAME):
                current.filename = strings[_PR_ATTACH_LONG_FILENAME]
            if strings.get(_PR_ATTACH_MIME_TAG):
                current.content_type = strings[_PR_ATTACH_MIME_TAG].strip().lower()
            if strings.get(_PR_ATTACH_CONTENT_ID):
                current.content_id = strings[_PR_ATTACH_CONTENT_ID].strip().strip("<>")
    return [f for f in files if f.data or f.filename]

"""What ``parse_email`` makes of the mail people send: each test builds a small message."""

from __future__ import annotations

import base64
import binascii
import hashlib
import random
import struct
from datetime import UTC, datetime, timedelta, timezone

import pytest

from frontdesk.channels.email.mime import safe_filename
from frontdesk.channels.email.parse import Address, ParsedEmail, parse_email


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data)


def _word(text: str, charset: str, codec: str | None = None) -> bytes:
    """An RFC 2047 B-encoded word."""
    encoded = base64.b64encode(text.encode(codec or charset)).decode()
    return f"=?{charset}?B?{encoded}?=".encode()


# --------------------------------------------------------------------------- charsets

CHARSETS = [
    # (label as mailers write it, codec that wrote the bytes, text)
    ("ISO-8859-1", "latin-1", "Grüße aus Köln, ça va? Ich warte auf meine Bestellung."),
    ("iso-8859-2", "iso-8859-2", "Zażółć gęślą jaźń. Moje zamówienie nie dotarło."),
    ("ISO-8859-5", "iso-8859-5", "Здравствуйте! Мой заказ ещё не пришёл."),
    ("iso-8859-7", "iso-8859-7", "Καλημέρα σας, η παραγγελία μου δεν έφτασε ακόμη."),
    ("ISO-8859-15", "iso-8859-15", "Le colis coûte 20 € et n'est pas arrivé."),
    ("windows-1250", "cp1250", "Pozdravljeni, naročilo še ni prispelo. Hvala!"),
    ("windows-1251", "cp1251", "Добрый день, посылка до сих пор не доставлена."),
    ("windows-1252", "cp1252", "Smart “quotes” — and a price of 12 €."),
    ("windows-1253", "cp1253", "Ευχαριστώ πολύ για τη γρήγορη απάντηση."),
    ("windows-1257", "cp1257", "Labdien, mans pasūtījums vēl nav ieradies."),
    ("KOI8-R", "koi8-r", "Привет! Когда придёт мой заказ?"),
    ("Shift_JIS", "shift_jis", "ご注文の商品がまだ届いていません。"),
    ("ISO-2022-JP", "iso2022_jp", "ご注文の商品がまだ届いていません。"),
    ("EUC-JP", "euc_jp", "お問い合わせありがとうございます。"),
    ("GB2312", "gb2312", "您好，我的订单还没有到。"),
    # Labelled GB2312 but written as GBK (朱镕基: 镕 is not in GB2312): read as GB18030.
    ("gb2312", "gbk", "朱镕基的订单"),
    ("Big5", "big5", "您好，我的訂單還沒有到。"),
    ("EUC-KR", "euc-kr", "주문한 상품이 아직 도착하지 않았습니다."),
    ("ks_c_5601-1987", "cp949", "안녕하세요, 주문 확인 부탁드립니다."),
    ("UTF-8", "utf-8", "Պատվերս դեռ չի հասել։ Շնորհակալություն։"),
    ("utf-8", "utf-8", "வணக்கம், என் ஆர்டர் இன்னும் வரவில்லை."),
]


@pytest.mark.parametrize(
    ("label", "codec", "text"), CHARSETS, ids=[c[0] + "-" + c[1] for c in CHARSETS]
)
def test_a_body_in_each_charset_decodes_to_the_text_that_was_written(
    label: str, codec: str, text: str
) -> None:
    raw = (
        (
            f'From: a@example.org\nSubject: x\nContent-Type: text/plain; charset="{label}"\n'
            "Content-Transfer-Encoding: 8bit\n\n"
        ).encode()
        + text.encode(codec)
        + b"\n"
    )
    parsed = parse_email(raw)
    assert parsed.text.strip() == text
    assert parsed.errors == []


@pytest.mark.parametrize(
    ("label", "codec", "text"), CHARSETS, ids=[c[0] + "-" + c[1] for c in CHARSETS]
)
def test_a_subject_and_a_sender_name_in_each_charset_decode(
    label: str, codec: str, text: str
) -> None:
    raw = (
        b"From: " + _word(text[:12], label, codec) + b" <a@example.org>\n"
        b"Subject: " + _word(text, label, codec) + b"\n\nbody\n"
    )
    parsed = parse_email(raw)
    assert parsed.subject == text
    assert parsed.from_ == Address(name=text[:12].strip(), address="a@example.org")


def test_a_quoted_printable_body_decodes_with_its_charset() -> None:
    raw = (
        b"Content-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: quoted-printable\n\n"
        b"Gr=FC=DFe aus K=F6ln, die Zeile ist lang und wird weich =\numbrochen.\n"
    )
    assert parse_email(raw).text == "Grüße aus Köln, die Zeile ist lang und wird weich umbrochen.\n"


def test_a_body_without_charset_that_is_utf8_is_read_as_utf8_without_complaint() -> None:
    raw = b"Content-Type: text/plain\n\n" + "Ուշացած պատվեր".encode() + b"\n"
    parsed = parse_email(raw)
    assert parsed.text == "Ուշացած պատվեր\n"
    assert parsed.errors == []


def test_a_body_labelled_utf8_but_written_in_windows_1251_is_detected() -> None:
    text = (
        "Добрый день! Я заказал у вас книгу две недели назад, но посылка до сих пор "
        "не пришла. Пожалуйста, проверьте, где она сейчас находится, и сообщите мне."
    )
    raw = b"Content-Type: text/plain; charset=utf-8\n\n" + text.encode("cp1251")
    parsed = parse_email(raw)
    assert parsed.text == text
    assert any("not valid utf-8" in e for e in parsed.errors)


def test_an_unknown_charset_is_read_as_utf8_and_noted() -> None:
    raw = b"Content-Type: text/plain; charset=x-no-such-charset\n\n" + "Καλημέρα".encode()
    parsed = parse_email(raw)
    assert parsed.text == "Καλημέρα"
    assert any("unknown charset" in e for e in parsed.errors)


def test_undecodable_text_falls_back_to_latin1_with_a_note() -> None:
    raw = b"Content-Type: text/plain; charset=x-no-such-charset\n\nna\xefve caf\xe9"
    parsed = parse_email(raw)
    assert parsed.text == "naïve café"
    assert parsed.errors


@pytest.mark.parametrize(
    ("label", "payload", "hidden"),
    [
        ("zlib", b"x\x9c\xcbH\xcd\xc9\xc9\x07\x00\x06,\x02\x15", "hello"),
        ("base64", b"aGVsbG8=", "hello"),
        ("unicode_escape", b"\\u0041\\u0042", "AB"),
    ],
)
def test_a_charset_label_naming_a_codec_that_is_no_charset_is_not_used(
    label: str, payload: bytes, hidden: str
) -> None:
    raw = f"Content-Type: text/plain; charset={label}\n\n".encode() + payload
    parsed = parse_email(raw)
    assert hidden not in parsed.text
    assert any(label in e for e in parsed.errors)


# --------------------------------------------------------------------------- headers


def test_adjacent_encoded_words_join_without_the_space_between_them() -> None:
    raw = b"Subject: =?utf-8?q?Hello_?= =?utf-8?q?World?=  =?utf-8?b?IQ==?=\n\n"
    assert parse_email(raw).subject == "Hello World!"


def test_a_character_split_across_two_encoded_words_survives() -> None:
    encoded = "Պ".encode()  # two bytes
    first = base64.b64encode(encoded[:1]).decode()
    second = base64.b64encode(encoded[1:] + "ատվեր".encode()).decode()
    raw = f"Subject: =?UTF-8?B?{first}?= =?UTF-8?B?{second}?=\n\n".encode()
    assert parse_email(raw).subject == "Պատվեր"


def test_encoded_words_inside_quotes_and_glued_to_text_are_decoded() -> None:
    raw = (
        b'From: "=?utf-8?Q?J=C3=BCrgen_M=C3=BCller?=" <jm@example.de>\n'
        b"Subject: Re:=?utf-8?Q?_Bestellbest=C3=A4tigung?=\n\n"
    )
    parsed = parse_email(raw)
    assert parsed.from_ == Address(name="Jürgen Müller", address="jm@example.de")
    assert parsed.subject == "Re: Bestellbestätigung"


def test_an_encoded_name_with_a_comma_stays_one_address() -> None:
    raw = b"To: =?utf-8?Q?M=C3=BCller,_J=C3=BCrgen?= <jm@example.de>, b@example.org\n\n"
    assert parse_email(raw).to == [
        Address(name="Müller, Jürgen", address="jm@example.de"),
        Address(name="", address="b@example.org"),
    ]


def test_raw_utf8_and_raw_latin1_headers_are_read() -> None:
    utf8 = parse_email("Subject: Ուշացած պատվեր\nFrom: Անի <ani@example.am>\n\n".encode())
    assert utf8.subject == "Ուշացած պատվեր"
    assert utf8.from_ == Address(name="Անի", address="ani@example.am")
    latin1 = parse_email(b"Subject: Gr\xfc\xdfe\nContent-Type: text/plain; charset=iso-8859-1\n\nx")
    assert latin1.subject == "Grüße"


def test_a_malformed_encoded_word_is_left_as_written() -> None:
    raw = b"Subject: =?utf-8?Q?unterminated and =?bogus?X?abc?= end\n\n"
    assert parse_email(raw).subject == "=?utf-8?Q?unterminated and =?bogus?X?abc?= end"


def test_addresses_ids_and_date_are_read() -> None:
    raw = (
        b"From: Ani Petrosyan <ani@example.am>\n"
        b"Sender: list@example.org\n"
        b"To: support@example.com, Bob <bob@example.com>\n"
        b"Cc: undisclosed-recipients:;\n"
        b"Reply-To: Team: a@example.org, b@example.org;\n"
        b"Message-ID: <abc.123@mail.example.am>\n"
        b"In-Reply-To: <prev@example.com>\n"
        b"References: <first@example.com>\n <prev@example.com>\n"
        b"Date: Tue, 7 Apr 2026 10:00:01 +0400\n\nbody\n"
    )
    parsed = parse_email(raw)
    assert parsed.from_ == Address(name="Ani Petrosyan", address="ani@example.am")
    assert parsed.sender == Address(name="", address="list@example.org")
    assert [a.address for a in parsed.to] == ["support@example.com", "bob@example.com"]
    assert parsed.cc == []
    assert [a.address for a in parsed.reply_to] == ["a@example.org", "b@example.org"]
    assert parsed.message_id == "abc.123@mail.example.am"
    assert parsed.in_reply_to == ["prev@example.com"]
    assert parsed.references == ["first@example.com", "prev@example.com"]
    assert parsed.date == datetime(2026, 4, 7, 10, 0, 1, tzinfo=timezone(timedelta(hours=4)))


def test_a_date_without_zone_is_utc_and_a_broken_one_is_read_loosely_or_noted() -> None:
    assert parse_email(b"Date: 7 Apr 2026 10:00:01 -0000\n\n").date == datetime(
        2026, 4, 7, 10, 0, 1, tzinfo=UTC
    )
    assert parse_email(b"Date: Tue, 7 Apr 2026 10:00:xx\n\n").date == datetime(
        2026, 4, 7, 10, 0, tzinfo=UTC
    )
    whenever = parse_email(b"Date: whenever\n\n")
    assert whenever.date is None
    assert any("date" in e for e in whenever.errors)


def test_headers_stay_available_raw_and_decoded_for_other_modules() -> None:
    raw = b"Auto-Submitted: auto-replied\nX-Note: =?utf-8?q?caf=C3=A9?=\nX-Note: two\n\nhi"
    parsed = parse_email(raw)
    assert parsed.headers["Auto-Submitted"] == "auto-replied"
    assert parsed.header("x-note") == "café"
    assert parsed.header_all("X-Note") == ["café", "two"]
    assert parsed.header("missing") is None


# --------------------------------------------------------------------------- file names


def _with_attachment(disposition: bytes, content_type: bytes = b"application/pdf") -> bytes:
    return (
        b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee file\n"
        b"--b\nContent-Type: " + content_type + b"\nContent-Disposition: " + disposition + b"\n"
        b"Content-Transfer-Encoding: base64\n\n" + _b64(b"%PDF-1.4 data") + b"--b--\n"
    )


def test_an_rfc2231_file_name_split_in_continuations_is_joined_and_decoded() -> None:
    name = "Պայմանագիր №5 (վերջնական).pdf"
    encoded = "".join(f"%{b:02X}" for b in name.encode())
    first, second = encoded[:40], encoded[40:]
    disposition = f"attachment;\n filename*0*=UTF-8''{first};\n filename*1*={second}".encode()
    parsed = parse_email(_with_attachment(disposition))
    assert [a.filename for a in parsed.attachments] == [name]


def test_rfc2231_plain_continuations_and_charset_language_values_are_read() -> None:
    plain = parse_email(_with_attachment(b'attachment; filename*0="long "; filename*1="name.pdf"'))
    assert plain.attachments[0].filename == "long name.pdf"
    latin = parse_email(_with_attachment(b"attachment; filename*=iso-8859-1'de'Gr%FC%DFe.pdf"))
    assert latin.attachments[0].filename == "Grüße.pdf"


def test_an_encoded_word_file_name_is_decoded() -> None:
    disposition = b'attachment; filename="' + _word("Счёт-фактура.pdf", "utf-8") + b'"'
    assert parse_email(_with_attachment(disposition)).attachments[0].filename == "Счёт-фактура.pdf"


def test_a_path_traversal_file_name_is_made_safe() -> None:
    parsed = parse_email(_with_attachment(b'attachment; filename="../../etc/passwd"'))
    assert parsed.attachments[0].filename == "passwd"
    windows = parse_email(_with_attachment(b"attachment; filename*=UTF-8''..%5C..%5Cevil.exe"))
    assert windows.attachments[0].filename == "evil.exe"


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        (".htaccess", "htaccess"),
        ("..", ""),
        ("a\x00b\x07c.txt", "abc.txt"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # no right-to-left override trick
        ('what?<is>:"this"|*.txt', "what__is___this___.txt"),
        ("  spaced\tname .pdf  ", "spaced name .pdf"),
        ("CON.txt", "_CON.txt"),
        ("報告書 2026.xlsx", "報告書 2026.xlsx"),
        ("Ժամանակացույց.docx", "Ժամանակացույց.docx"),
    ],
)
def test_file_names_are_made_safe_and_keep_their_script(given: str, safe: str) -> None:
    assert safe_filename(given) == safe


def test_a_long_file_name_is_cut_to_255_bytes_keeping_its_extension() -> None:
    name = safe_filename("Ժամանակացույց" * 30 + ".pdf")
    assert len(name.encode()) <= 255
    assert name.endswith(".pdf")
    assert name.startswith("Ժամանակացույց")


def test_an_attachment_without_a_name_is_named_after_its_type() -> None:
    parsed = parse_email(_with_attachment(b"attachment"))
    assert parsed.attachments[0].filename == "attachment.pdf"
    assert parsed.attachments[0].content_type == "application/pdf"


# --------------------------------------------------------------------------- HTML


def test_an_html_only_mail_gets_readable_text_and_sanitised_html() -> None:
    html = (
        "<html><head><title>Order</title><style>p { color: red }</style></head><body>"
        "<h1>Your order</h1><p>Hello <b>Ani</b>,</p>"
        '<p>Track it <a href="https://shop.example/track?id=5">here</a>.<br>Thanks</p>'
        "<ul><li>Book</li><li>Pen</li></ul><script>steal()</script></body></html>"
    )
    raw = b"Content-Type: text/html; charset=utf-8\n\n" + html.encode()
    parsed = parse_email(raw)
    assert parsed.text == (
        "Your order\n\nHello Ani,\n\nTrack it here (https://shop.example/track?id=5).\n"
        "Thanks\n\n- Book\n- Pen\n"
    )
    assert parsed.html is not None
    assert "<h1>Your order</h1>" in parsed.html
    assert "script" not in parsed.html and "steal" not in parsed.html
    assert "color: red" not in parsed.html


def test_scripts_event_handlers_and_javascript_urls_are_removed() -> None:
    html = (
        '<p onclick="steal()">Hi</p><img src="cid:x" onerror="steal()">'
        '<a href="javascript:steal()">click</a><a href="data:text/html,<script>">d</a>'
        "<script>steal()</script><iframe src='https://evil.example'></iframe>"
        "<form action='https://evil.example'><input name=p></form>"
    )
    parsed = parse_email(b"Content-Type: text/html\n\n" + html.encode())
    assert parsed.html is not None
    for bad in (
        "onclick",
        "onerror",
        "javascript:",
        "steal",
        "data:text",
        "iframe",
        "form",
        "input",
    ):
        assert bad not in parsed.html


def test_remote_images_are_blocked_but_keep_their_url() -> None:
    html = (
        '<p>Hi<img src="https://tracker.example/pixel.gif?u=1&amp;m=2" alt="x" width="1">'
        '<img src="//cdn.example/a.png"><img src="/relative.png">'
        '<img src="data:image/png;base64,iVBORw0KGgo="></p>'
    )
    parsed = parse_email(b"Content-Type: text/html\n\n" + html.encode())
    assert parsed.html is not None
    assert 'data-remote-src="https://tracker.example/pixel.gif?u=1&amp;m=2"' in parsed.html
    assert 'data-remote-src="//cdn.example/a.png"' in parsed.html
    assert 'data-remote-src="/relative.png"' in parsed.html
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in parsed.html
    assert ' src="http' not in parsed.html and ' src="//' not in parsed.html
    assert ' src="/' not in parsed.html


def test_styles_that_could_load_an_image_are_dropped() -> None:
    html = '<div style="color: #333; background: url(https://tracker.example/bg.png)">x</div>'
    parsed = parse_email(b"Content-Type: text/html\n\n" + html.encode())
    assert parsed.html == '<div style="color:#333">x</div>'


def test_an_inline_cid_image_is_an_inline_attachment_and_keeps_its_cid_source() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
    raw = (
        b"Content-Type: multipart/related; boundary=r\n\n"
        b"--r\nContent-Type: text/html; charset=utf-8\n\n"
        b'<p>Logo: <img src="cid:logo@shop.example" alt="logo"></p>\n'
        b"--r\nContent-Type: image/png\nContent-ID: <logo@shop.example>\n"
        b"Content-Transfer-Encoding: base64\n\n" + _b64(png) + b"--r--\n"
    )
    parsed = parse_email(raw)
    assert parsed.html is not None
    assert 'src="cid:logo@shop.example"' in parsed.html
    [image] = parsed.attachments
    assert image.inline is True
    assert image.content_id == "logo@shop.example"
    assert image.data == png
    assert image.sha256 == hashlib.sha256(png).hexdigest()
    assert image.filename == "attachment.png"
    assert parsed.text == "Logo: [logo]\n"


def test_an_image_attached_but_not_shown_in_the_html_is_not_inline() -> None:
    raw = (
        b"Content-Type: multipart/mixed; boundary=m\n\n"
        b"--m\nContent-Type: text/html\n\n<p>See attached</p>\n"
        b"--m\nContent-Type: image/jpeg; name=photo.jpg\nContent-ID: <p1>\n"
        b"Content-Transfer-Encoding: base64\n\n" + _b64(b"\xff\xd8\xff") + b"--m--\n"
    )
    [photo] = parse_email(raw).attachments
    assert (photo.filename, photo.inline, photo.content_id) == ("photo.jpg", False, "p1")


def test_an_alternative_gives_the_plain_text_and_the_html() -> None:
    raw = (
        b"Content-Type: multipart/alternative; boundary=a\n\n"
        b"--a\nContent-Type: text/plain; charset=utf-8\n\nPlain version\n"
        b"--a\nContent-Type: text/html; charset=utf-8\n\n<p>HTML <i>version</i></p>\n--a--\n"
    )
    parsed = parse_email(raw)
    assert parsed.text == "Plain version"
    assert parsed.html == "<p>HTML <i>version</i></p>"
    assert parsed.attachments == []


def test_a_plain_text_mail_has_no_html() -> None:
    parsed = parse_email(b"Subject: hi\n\nJust text.\r\nSecond line.\r\n")
    assert parsed.text == "Just text.\nSecond line.\n"
    assert parsed.html is None


# --------------------------------------------------------------------------- attachments


def test_an_attached_message_is_kept_whole_and_named_after_its_subject() -> None:
    inner = b"From: c@example.org\nSubject: =?utf-8?q?Re:_Z=C3=A1kazka_/_5?=\n\nInner body\n"
    raw = (
        b"Content-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: text/plain\n\nFwd\n"
        b"--m\nContent-Type: message/rfc822\n\n" + inner + b"--m--\n"
    )
    parsed = parse_email(raw)
    [message] = parsed.attachments
    assert message.filename == "Re: Zákazka _ 5.eml".replace(":", "_")
    assert message.content_type == "message/rfc822"
    assert message.data == inner.rstrip(b"\n")
    assert parsed.text == "Fwd"


def _tnef_attribute(level: int, attribute: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BII", level, attribute, len(data)) + data + struct.pack("<H", checksum)


def _tnef(files: list[tuple[str, bytes]], long_name: str | None = None) -> bytes:
    """A winmail.dat as Outlook writes it: a signature, then attributes per attachment."""
    out = struct.pack("<IH", 0x223E9F78, 1)
    out += _tnef_attribute(1, 0x00089006, struct.pack("<I", 0x00010000))  # TNEF version
    for name, data in files:
        out += _tnef_attribute(2, 0x00069002, b"\x01\x00" + b"\xff" * 4 + b"\x00" * 8)
        out += _tnef_attribute(2, 0x00018010, name.encode("cp1252") + b"\x00")
        out += _tnef_attribute(2, 0x0006800F, data)
        if long_name is not None:
            value = long_name.encode("utf-16-le") + b"\x00\x00"
            value += b"\x00" * (-len(value) % 4)
            props = struct.pack("<IHHII", 1, 0x001F, 0x3707, 1, len(value)) + value
            out += _tnef_attribute(2, 0x00069005, props)
    return out


def test_the_files_inside_a_winmail_dat_become_attachments() -> None:
    tnef = _tnef([("REPORT~1.PDF", b"%PDF report"), ("notes.txt", b"plain notes")])
    raw = (
        b"Content-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: text/plain\n\nhi\n"
        b"--m\nContent-Type: application/ms-tnef; name=winmail.dat\n"
        b"Content-Transfer-Encoding: base64\n\n" + _b64(tnef) + b"--m--\n"
    )
    parsed = parse_email(raw)
    assert [(a.filename, a.data) for a in parsed.attachments] == [
        ("REPORT~1.PDF", b"%PDF report"),
        ("notes.txt", b"plain notes"),
    ]


def test_a_winmail_dat_long_file_name_is_used() -> None:
    tnef = _tnef([("PAYMAN~1.PDF", b"%PDF")], long_name="Պայմանագիր.pdf")
    raw = b"Content-Type: application/vnd.ms-tnef\nContent-Transfer-Encoding: base64\n\n" + _b64(
        tnef
    )
    assert [a.filename for a in parse_email(raw).attachments] == ["Պայմանագիր.pdf"]


def test_a_damaged_winmail_dat_is_kept_as_it_is() -> None:
    raw = (
        b"Content-Type: application/ms-tnef; name=winmail.dat\n"
        b"Content-Transfer-Encoding: base64\n\n" + _b64(b"not tnef at all")
    )
    parsed = parse_email(raw)
    assert [a.filename for a in parsed.attachments] == ["winmail.dat"]
    assert any("winmail.dat" in e for e in parsed.errors)


def test_a_10_mb_attachment_parses_intact() -> None:
    data = random.Random(5).randbytes(10 * 1024 * 1024)
    raw = _with_attachment(b"attachment; filename=big.bin", b"application/octet-stream")
    raw = raw.replace(_b64(b"%PDF-1.4 data"), _b64(data))
    parsed = parse_email(raw)
    [big] = parsed.attachments
    assert big.size == len(data)
    assert big.sha256 == hashlib.sha256(data).hexdigest()
    assert parsed.errors == []


def test_uuencoded_and_damaged_base64_attachments_are_read_as_far_as_possible() -> None:
    uu = b"begin 644 hi.txt\n" + binascii.b2a_uu(b"hello world\n") + b"`\nend\n"
    raw = (
        b"Content-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: text/plain\n\nx\n"
        b"--m\nContent-Type: text/plain; name=hi.txt\nContent-Transfer-Encoding: x-uuencode\n\n"
        + uu
        + b"--m\nContent-Type: application/octet-stream; name=cut.bin\n"
        b"Content-Transfer-Encoding: base64\n\naGVsbG8gd29y\n--m--\n"
    )
    parsed = parse_email(raw)
    assert [(a.filename, a.data) for a in parsed.attachments] == [
        ("hi.txt", b"hello world\n"),
        ("cut.bin", b"hello wor"),
    ]


# --------------------------------------------------------------------------- broken mail


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage \x80\x81",
        b"Subject: cut\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/pl",
        b"Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Transfer-Encoding: base64\n\n!",
        b"Content-Type: text/plain; charset=\n\nno charset value",
        b'Content-Type: ; ; ;=;"\nContent-Disposition: attachment; filename*0*=%%%\n\nx',
        b'From: <<<@>>>, @, "unterminated\nTo: =?utf-8?b?####?=\nDate: 99 Foo 99999\n\n',
        b"Content-Type: multipart/alternative\n\nno boundary at all",
        b"Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\n",
    ],
)
def test_a_truncated_or_garbage_message_yields_a_result_and_no_exception(raw: bytes) -> None:
    parsed = parse_email(raw)
    assert isinstance(parsed, ParsedEmail)
    assert parsed.raw_size == len(raw)


def test_a_truncated_message_says_what_it_could_not_read() -> None:
    raw = (
        b"Subject: cut\nContent-Type: multipart/mixed; boundary=x\n\n"
        b"--x\nContent-Type: text/plain\n\nstart of the text"
    )
    parsed = parse_email(raw)
    assert parsed.subject == "cut"
    assert parsed.text == "start of the text"
    assert parsed.errors


def test_a_first_header_line_that_is_garbage_does_not_hide_the_others() -> None:
    raw = b"Fro m garbage line\nFrom: a@example.org\nSubject: still here\n\nbody\n"
    parsed = parse_email(raw)
    assert parsed.subject == "still here"
    assert parsed.text == "body\n"


def test_a_body_that_follows_the_headers_without_a_blank_line_is_kept() -> None:
    parsed = parse_email(b"From: a@example.org\nSubject: hi\nHello there\n\nSecond part\n")
    assert parsed.subject == "hi"
    assert parsed.text == "Hello there\n\nSecond part\n"


def test_a_boundary_parameter_on_an_unindented_line_is_still_found() -> None:
    raw = (
        b'Subject: x\nContent-Type: multipart/alternative;\nboundary="b1"\n\n'
        b"--b1\nContent-Type: text/plain\n\nplain\n--b1\nContent-Type: text/html\n\n<p>html</p>\n"
        b"--b1--\n"
    )
    parsed = parse_email(raw)
    assert parsed.text == "plain"
    assert parsed.html == "<p>html</p>"


def test_parts_are_found_when_the_declared_boundary_is_not_the_one_used() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="declared"\n\n'
        b"--used\nContent-Type: text/plain\n\nthe text\n"
        b"--used\nContent-Type: application/pdf; name=a.pdf\n\n%PDF\n--used--\n"
    )
    parsed = parse_email(raw)
    assert parsed.text == "the text"
    assert [a.filename for a in parsed.attachments] == ["a.pdf"]
    assert any("boundary" in e for e in parsed.errors)


def test_a_multipart_without_any_parts_shows_what_it_contains_as_text() -> None:
    parsed = parse_email(b"Content-Type: multipart/report; boundary=gone\n\nDelivery failed.\n")
    assert parsed.text == "Delivery failed.\n"
    assert parsed.attachments == []


def test_random_damage_never_raises() -> None:
    base = _with_attachment(b'attachment; filename="a.pdf"') + b"\n"
    rnd = random.Random(7)
    for _ in range(300):
        data = bytearray(base)
        for _ in range(rnd.randint(1, 6)):
            position = rnd.randrange(len(data))
            data[position : position + rnd.randint(0, 20)] = rnd.randbytes(rnd.randint(0, 4))
        assert isinstance(parse_email(bytes(data)), ParsedEmail)

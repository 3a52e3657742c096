"""Quoted-reply and signature stripping for plain-text email replies.

``trim_reply`` splits an inbound reply into what the customer wrote now (``visible``) and
what their mail client added (``elided``): the "On <date>, <name> wrote:" line and the quoted
earlier message under it, Outlook-style header blocks ("From: … Sent: … To: … Subject:"),
the "-- " signature and "Sent from my iPhone"-style lines. The agent sees ``visible``; the
UI keeps ``elided`` one click away, so a wrong guess costs a click, not the customer's words.

How it works, in three passes over the lines of the message:

1. Attribution lines that the sender's client wrapped over several lines ("On Mon, 1 Feb
   2016, Jeff <\\njeff@example.com> wrote:") are joined back into one line.
2. Every line is given a kind: empty, text, quote (``>``, ``|``, usenet ``Name>``), header
   (attribution, "-----Original Message-----", a From/Sent/To/Subject block), signature
   delimiter (``--``) or mobile signature ("Sent from my iPhone"). Lines inside Markdown code
   fences (three backticks or tildes) are always text.
3. The kinds decide what is cut:

   - everything from the first signature delimiter, mobile signature or line of underscores
     (Outlook's separator) on;
   - a header after the customer's own text, with everything below it (top-posting) — unless
     the quote under it is answered inline (text follows the quote, then more quotes, or at
     least three lines of text), in which case only the header line goes;
   - a header at the very top (bottom-posting or forwarding): the header goes, and so does the
     single quote block right under it when the customer's answer simply follows it; quotes
     interleaved with answers are kept;
   - a quote block ending the message after the customer's text.

   Quotes in the middle of a reply with the customer's text after them stay. If all of the
   message would go, the message is returned whole: ``visible`` is never empty when the
   message has content. ``elided`` is the removed lines in order, with a wrapped attribution
   shown on one line.

Patterns are compiled once at import; only lines ending in a colon are tried as the end of a
wrapped attribution, so the cost stays linear in the size of the message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

__all__ = ["Trimmed", "trim_reply"]


@dataclass(frozen=True)
class Trimmed:
    """A reply split into the new text and the part that was taken out."""

    visible: str
    """What is new in this reply, without leading/trailing blank lines."""
    elided: str
    """The removed part (quotes, "On … wrote:" header, signature), for the UI to fold away."""


# --------------------------------------------------------------------------------------------
# Pattern tables. Each entry names the language and, where it matters, the mail client.
# All patterns are matched case-insensitively against a whole (stripped) line.
# --------------------------------------------------------------------------------------------

_FLAGS = re.IGNORECASE

# The colon ending an attribution line: ASCII (with or without a space or no-break space
# before it, as French puts one), full-width (Chinese, Japanese), and "։", the Armenian full
# stop, which looks like a colon and is typed in its place.
_COLON = r"\s*[:：։]"
_ISO_DATE = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"

# Attribution lines that open with a recognisable word or a date, per language. These are
# trusted on their own, also when the sender's client wrapped them over several lines.
_ATTRIBUTIONS: tuple[tuple[str, str], ...] = (
    # English — Gmail, Apple Mail, Thunderbird: "On Mon, Feb 1, 2016 at 6:32 PM, Jeff <j@x> wrote:"
    ("English", r"on\s.{4,300}\s(?:wrote|writes)" + _COLON),
    # English — Zoho Mail: "---- On Tue, 22 Dec 2015 14:17:36 +0530 Sam <s@x> wrote ----"
    ("English", r"-{2,}\s*on\s.{4,300}\swrote\s*-{2,}"),
    # English — Eudora: "At 6/16/2016 08:32 PM, you wrote:"
    ("English", r"at\s\S*\d.{2,200}\swrote" + _COLON),
    # English — usenet: "In article <abc@news.example>, Jeff <j@x> writes:"
    ("English", r"in (?:article|message)\s.{4,300}\s(?:wrote|writes)" + _COLON),
    # German — Apple Mail, Thunderbird: "Am 03.02.2016 um 15:35 schrieb Max <m@x>:"
    ("German", r"am\s.{4,300}\s(?:schrieb(?:\s.{1,200})?|geschrieben)" + _COLON),
    # German — Gmail: "Max <m@x> schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:"
    ("German", r".{1,200}\sschrieb am\s.{4,120}\suhr" + _COLON),
    # Dutch — "Op 2 feb. 2015 om 05:28 heeft Anna <a@x> het volgende geschreven:",
    # "Op 16 aug. 2014 05:13 schreef Anna <a@x>:"
    ("Dutch", r"op\s.{4,300}\s(?:schreef(?:\s.{1,200})?|geschreven)" + _COLON),
    # French — "Le 4 janv. 2016 19:03, Neil <n@x> a écrit :"
    ("French", r"le\s.{4,300}\sa\s+écrit" + _COLON),
    # Spanish — "El jueves, 21 de noviembre de 2013, Jeff escribió:"
    ("Spanish", r"el\s.{4,300}\sescribió" + _COLON),
    # Italian — "Il 26 marzo 2016 alle 13.16 Sam <s@x> ha scritto:"
    ("Italian", r"il\s.{4,300}\sha\s+scritto" + _COLON),
    # Portuguese — "Em 2 de fevereiro de 2015 10:58, Ana <a@x> escreveu:", "Às 10:58 de …"
    ("Portuguese", r"(?:em|no dia|às|as)\s.{4,300}\sescreveu" + _COLON),
    # Swedish, Norwegian, Danish — "Den 15. jun. 2016 kl. 20.42 skrev Jeff <j@x>:"
    ("Scandinavian", r"den\s.{4,300}\sskrev(?:\s.{1,200})?" + _COLON),
    # Polish — "W dniu 14.07.2015 o 00:25, Jan <j@x> pisze:", "Dnia 14 lip 2015 … napisał(a):"
    ("Polish", r"(?:w dniu|dnia)\s.{4,300}\s(?:pisze|napisał(?:a|\(a\))?)" + _COLON),
    # Russian — Gmail: "20 окт. 2016 г. 19:37 пользователь "Rafael" <r@x> написал:"
    ("Russian", r".{0,120}\sпользователь\s.{1,200}\sнаписал(?:а|\(а\))?" + _COLON),
    # Russian — Thunderbird: "06.10.2014 12:00, Иван пишет:"
    ("Russian", r"\d{1,2}\.\d{1,2}\.\d{2,4}\s+\d{1,2}:\d{2},\s.{1,200}\sпишет" + _COLON),
    # Ukrainian — Gmail: "30 серп. 2016 р. 20:45 користувач Arpit <a@x> написав:"
    ("Ukrainian", r".{0,120}\sкористувач\s.{1,200}\sнаписа(?:в|ла|в\(ла\))" + _COLON),
    # Finnish — Gmail: "ma 5. kesäk. 2017 klo 12.22 Anna (<a@x>) kirjoitti:"
    ("Finnish", r".{0,120}\sklo\s.{1,200}\skirjoitti" + _COLON),
    # Chinese — Apple Mail, Gmail: "在 2016年12月12日，下午8:45，Erlend <e@x> 写道："
    ("Chinese", r"(?:在|于|於).{4,300}(?:写道|寫道)" + _COLON),
    # Japanese — Gmail: "2016年12月12日(月) 20:45 Erlend <e@x>:", Apple Mail "…のメール:"
    ("Japanese", r"\d{4}[年/].{2,300}(?:書きました|のメール|<[^<>]*@[^<>]*>)" + _COLON),
    # Greek — Gmail: "Στις Δευ 5 Ιουν 2017 στις 12:22 μ.μ., ο/η Άννα <a@x> έγραψε:"
    ("Greek", r"στις\s.{4,300}\sέγραψε" + _COLON),
    # Slovenian — Gmail: "V pon., 5. jun. 2017 ob 12:22 je oseba Ana <a@x> napisala:"
    ("Slovenian", r"v\s.{4,300}\snapisal(?:a|\(a\))?" + _COLON),
    # Latvian — Gmail: "pirmd., 2017. gada 5. jūn., plkst. 12:22 — lietotājs Anna (<a@x>) rakstīja:"
    ("Latvian", r".{0,150}\slietotājs\s.{1,200}\srakstīja" + _COLON),
    # Any language — older Gmail: "2016-03-03 17:21 GMT+01:00 Some One",
    # "2016-10-24 15:36 GMT+02:00 Foo <f@x>:", "2013/7/20 sam via Discourse Meta <info@x.org>"
    ("Gmail dates", _ISO_DATE + r"\s.{0,200}\sGMT[+-]\d{1,2}:?\d{2}(?:\s.{0,200})?"),
    ("Gmail dates", _ISO_DATE + r"\s.{0,200}<\s*[^<>\s]+@[^<>\s]+\s*>(?:\s*:)?"),
)

# The verb of "<someone> wrote:" per language, for attribution lines that open with a name.
# Such lines are only trusted with an e-mail address in them (see ``_named``) or, usenet
# style, with a quote right under them.
_WROTE_VERBS: tuple[tuple[str, str], ...] = (
    ("English", r"wrote|writes"),
    ("German", r"schrieb|geschrieben"),
    ("Dutch", r"schreef|geschreven"),
    ("French", r"a\s+écrit"),
    ("Spanish", r"escribió"),
    ("Italian", r"ha\s+scritto|scrisse"),
    ("Portuguese", r"escreveu"),
    ("Russian", r"написал|написала|написал\(а\)|пишет"),
    ("Ukrainian", r"написав|написала|написав\(ла\)|пише"),
    ("Polish", r"napisał|napisała|napisał\(a\)|pisze"),
    ("Swedish, Norwegian, Danish", r"skrev"),
    ("Finnish", r"kirjoitti"),
    ("Chinese", r"写道|寫道"),
    ("Japanese", r"書きました"),
    ("Armenian", r"գրել\s+է|գրեց"),
    ("Tamil", r"எழுதியது|எழுதினார்"),
    ("Latvian", r"rakstīja"),
    ("Greek", r"έγραψε"),
    ("Slovenian", r"je\s+napisal(?:a|\(a\))?|napisal(?:a|\(a\))?"),
)
_VERBS = "|".join(verbs for _, verbs in _WROTE_VERBS)
# German, Dutch and the Scandinavian languages put the name after the verb:
# "… schrieb Max <m@x>:", "… schreef Anna:", "… skrev Jeff <j@x>:".
_VERBS_BEFORE_NAME = r"schrieb|schreef|skrev"
# A name must not start with the tail of an address cut off by wrapping ("x@y.org> wrote:").
_NOT_A_FRAGMENT = r"(?![<>@])(?!\S*@)"

_NAMED_ATTRIBUTIONS: tuple[str, ...] = (
    # "Some One <some@one.org> wrote:", "30 серп. 2016 р. 20:45 "Arpit" <a@x> пише:"
    _NOT_A_FRAGMENT + r".{2,300}?\s(?:" + _VERBS + ")" + _COLON,
    # "Den 5. juni 2017 kl. 12:22 skrev Foo <f@x>:" and kin, verb before the name
    _NOT_A_FRAGMENT + r".{2,300}?\s(?:" + _VERBS_BEFORE_NAME + r")\s.{1,200}" + _COLON,
    # Gmail in languages without a verb (Russian, Japanese, Korean…): "<date>, Name <n@x>:"
    _NOT_A_FRAGMENT + r".{0,120}\d.{0,200}<\s*[^<>\s]+@[^<>\s]+\s*>" + _COLON,
)
# Usenet style, a bare name and the verb, trusted only with a quote right under it:
# "John Doe wrote:", "Jeanne a écrit :".
_USENET_ATTRIBUTION = re.compile(
    r"(?P<name>[^\W\d_][\w.'’-]*(?:\s+\S+){0,3}?)\s(?:" + _VERBS + ")" + _COLON, _FLAGS
)
# "I wrote:" above a quote of oneself is not an attribution of somebody else's message.
_PRONOUNS = frozenset({"i", "ich", "je", "yo", "io", "ik", "jag", "jeg", "we", "wir", "nous"})

_ATTRIBUTION = re.compile("|".join(f"(?:{pattern})" for _, pattern in _ATTRIBUTIONS), _FLAGS)
_NAMED_ATTRIBUTION = re.compile("|".join(f"(?:{p})" for p in _NAMED_ATTRIBUTIONS), _FLAGS)
_ADDRESS = re.compile(r"\S@\S")
_DIGIT = re.compile(r"\d")

# Separator lines that start a copied message, per language and client. Matched inside
# dashes ("-----Original Message-----") or as a line of their own ("Begin forwarded message:").
_SEPARATOR_PHRASES: tuple[tuple[str, str], ...] = (
    # Outlook "-----Original Message-----", Thunderbird "-------- Forwarded Message --------",
    # Gmail "---------- Forwarded message ---------", Apple Mail "Begin forwarded message:"
    ("English", r"original message|forwarded message|begin forwarded message"),
    (
        "German",
        r"ursprüngliche nachricht|originalnachricht|weitergeleitete nachricht"
        r"|anfang der weitergeleiteten nachricht",
    ),
    (
        "French",
        r"message d'origine|message original|message transféré"
        r"|début du message (?:réexpédié|transféré)",
    ),
    ("Spanish", r"mensaje original|mensaje reenviado|inicio del mensaje reenviado"),
    ("Italian", r"messaggio originale|messaggio inoltrato|inizio messaggio inoltrato"),
    ("Portuguese", r"mensagem original|mensagem encaminhada|início da mensagem reencaminhada"),
    (
        "Dutch",
        r"oorspronkelijk bericht|origineel bericht|doorgestuurd bericht"
        r"|begin doorgestuurd bericht",
    ),
    ("Swedish", r"ursprungligt meddelande|vidarebefordrat meddelande"),
    ("Norwegian", r"opprinnelig melding|videresendt melding"),
    ("Danish", r"oprindelig meddelelse|videresendt meddelelse"),
    ("Finnish", r"alkuperäinen viesti|välitetty viesti"),
    ("Polish", r"wiadomość oryginalna|oryginalna wiadomość|wiadomość przekazana dalej"),
    ("Russian", r"исходное сообщение|пересылаемое сообщение|пересланное сообщение"),
    ("Chinese", r"原始邮件|原始郵件|转发的邮件|轉寄的郵件"),
    ("Japanese", r"元のメッセージ|転送されたメッセージ"),
    ("Greek", r"αρχικό μήνυμα|προωθημένο μήνυμα"),
    ("Slovenian", r"izvirno sporočilo|posredovano sporočilo"),
)
_SEPARATOR = re.compile(
    r"[*_\s]*(?:-{2,}\s*)?(?:"
    + "|".join(phrases for _, phrases in _SEPARATOR_PHRASES)
    + r")(?:\s*-{2,}|"
    + _COLON
    + r")?[*_\s]*",
    _FLAGS,
)
# Any "---- Some Title ----" line; a header when a From/To/Subject block follows it.
_DASHED_TITLE = re.compile(r"[*\s]*-{2,}\s*[^-\s][^-]{1,60}?\s*-{2,}[*\s]*")
# A line made of one repeated character: "________", "-----", "=====", "*****".
_RULE = re.compile(r"\s*([-_=*~+#])\1{4,}\s*")

# Outlook / Exchange header blocks, per language: the field that opens the block, then the
# fields that follow it. A block needs at least two following fields of its language.
_HEADER_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("English", r"from", r"sent|date|to|cc|bcc|subject|reply-to"),
    ("German", r"von", r"gesendet|datum|an|cc|betreff|antwort an"),
    ("French", r"de", r"envoyé|date|à|a|cc|objet|répondre à"),
    ("Spanish", r"de", r"enviado|enviado el|fecha|para|cc|asunto|responder a"),
    ("Portuguese", r"de", r"enviado|enviada|enviado em|data|para|cc|assunto"),
    ("Italian", r"da", r"inviato|data|a|cc|oggetto|risposta|rispondi a"),
    ("Dutch", r"van", r"verzonden|datum|aan|cc|onderwerp|beantwoorden"),
    ("Swedish", r"från", r"skickat|datum|till|kopia|ämne"),
    ("Norwegian, Danish", r"fra", r"sendt|dato|til|kopi|cc|emne"),
    ("Finnish", r"lähettäjä", r"lähetetty|päivämäärä|vastaanottaja|kopio|aihe"),
    ("Polish", r"od", r"wysłano|wysłane|data|do|dw|temat"),
    ("Russian", r"от", r"отправлено|дата|кому|копия|тема"),
    ("Ukrainian", r"від", r"надіслано|дата|кому|копія|тема"),
    ("Chinese (simplified)", r"发件人", r"发送时间|日期|收件人|抄送|主题"),
    ("Chinese (traditional)", r"寄件者", r"寄件日期|日期|收件者|副本|主旨"),
    ("Japanese", r"差出人", r"送信日時|日付|宛先|cc|件名"),
    ("Greek", r"από", r"στάλθηκε|ημερομηνία|προς|κοιν|θέμα"),
    ("Slovenian", r"od", r"poslano|datum|za|kp|zadeva"),
    ("Latvian", r"no", r"nosūtīts|datums|kam|kopija|tēma"),
)


def _field(names: str) -> str:
    # "From:", "*From:*" (Outlook's bold in plain text), "De :" (French spacing)
    return r"[*_]{0,2}(?:" + names + r")[*_]{0,2}\s*[:：]"


_HEADER_BLOCKS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(_field(first) + r"[*_\s]*\S", _FLAGS), re.compile(_field(rest), _FLAGS))
    for _, first, rest in _HEADER_FIELDS
)
_ANY_FIRST_FIELD = re.compile(
    _field("|".join(first for _, first, _ in _HEADER_FIELDS)) + r"[*_\s]*\S", _FLAGS
)
_HEADER_BLOCK_LINES = 12

# Lines that mobile and desktop mail apps add under the message, per language. Matched after
# stripping brackets and parentheses ("(Sent from mobile device)", "<<sent by galaxy>>").
_DEVICES = (
    r"iphone|ipad|ipod|android|mobile|phone|cell|smartphone|tablet|device|blackberry|galaxy"
    r"|samsung|htc|nokia|huawei|pixel|outlook|mail|mailbox|airmail|yahoo|windows|gmail|aol"
    r"|proton|spark|bluemail|superhuman"
)


def _sent(verb: str, possessives: str, articles: str = "", devices: str = "") -> str:
    """ "<sent from> <a device>…", or "<sent from> <my> <a device or a Brand>…".

    After a possessive a capitalised word counts ("Sent from my TI-85"); without one only a
    known device or app does, so that "Sent from London on Monday" stays text.
    """
    device = _DEVICES + (f"|{devices}" if devices else "")
    article = rf"(?:(?:{articles})\s+)?" if articles else ""
    return (
        rf"(?:{verb})\s+(?:(?:{possessives})\s+(?:{device}|(?-i:[A-Z0-9]))"
        rf"|{article}\[?(?:{device})).*"
    )


_MOBILE_SIGNATURES: tuple[tuple[str, str], ...] = (
    # English — iOS Mail, Android, BlackBerry, Outlook, Yahoo, Airmail, Mailbox, Windows Mail
    ("English", _sent(r"sent (?:from|with|via|using|by|on)", "my", articles="a|an|the")),
    ("English", r"from my (?:iphone|ipad|android|mobile|phone|smartphone|blackberry|galaxy)\b.*"),
    ("English", r"get \[?outlook for (?:ios|android).*"),
    # German — iOS "Von meinem iPhone gesendet", K-9 Mail, "Gesendet mit der WEB.DE Mail App"
    ("German", r"von meinem\s.{1,60}\sgesendet\.?"),
    ("German", r"diese nachricht wurde von meinem\s.{1,80}\sgesendet\.?"),
    ("German", _sent(r"gesendet (?:von|vom|mit)", "meinem|meiner|der|dem", devices="handy")),
    # French — "Envoyé de mon iPhone", "Envoyé depuis mon appareil Galaxy"
    ("French", _sent(r"envoyé (?:de|depuis|à partir de|avec)", "mon|ma", devices="appareil")),
    # Spanish — "Enviado desde mi iPhone", "Enviado desde mi dispositivo móvil"
    ("Spanish", _sent(r"enviado (?:desde|de|con)", "mi", devices="dispositivo|teléfono|móvil")),
    # Portuguese — "Enviado do meu iPhone", "Enviado do meu celular"
    ("Portuguese", _sent(r"enviad[oa] (?:do|da|de|pelo|pela)", "meu|minha", devices="celular")),
    # Italian — "Inviato da iPhone", "Inviato dal mio smartphone"
    ("Italian", _sent(r"inviato (?:da|dal|dalla|con)", "mio|il mio", devices="dispositivo")),
    # Dutch — "Verzonden vanaf mijn iPhone", "Verstuurd vanaf mijn iPad", "Verzonden met BlackBerry"
    ("Dutch", _sent(r"(?:verzonden|verstuurd) (?:vanaf|van|met|vanuit|via)", "mijn")),
    # Swedish — "Skickat från min iPhone"
    ("Swedish", _sent(r"skickat (?:från|med|via)", "min|mitt", devices="telefon|mobil")),
    # Norwegian, Danish — "Sendt fra min iPad"
    ("Norwegian, Danish", _sent(r"sendt (?:fra|med|via)", "min|mitt", devices="telefon|mobil")),
    # Finnish — "Lähetetty iPhonesta"
    ("Finnish", r"lähetetty (?:iphonesta|ipadista|androidista|puhelimesta|mobiilista)\b.*"),
    # Polish — "Wysłane z iPhone'a", "Wysłano z mojego telefonu"
    ("Polish", _sent(r"wysłan[eo] (?:z|ze)", "mojego|mojej", devices="telefonu|smartfona")),
    # Russian — "Отправлено с iPhone", "Отправлено с моего телефона"
    ("Russian", _sent(r"отправлено (?:с|со|из)", "моего|моей", devices="телефон|мобильн")),
    # Ukrainian — "Надіслано з iPhone"
    ("Ukrainian", _sent(r"(?:надіслано|відправлено) (?:з|із|зі)", "мого|моєї", devices="телефон")),
    # Chinese — iOS "发自我的iPhone", "寄自我的iPhone", "從我的 iPhone 傳送"
    ("Chinese", r"(?:发自|寄自)我的.{1,30}|從我的.{1,30}傳送"),
    # Japanese — iOS "iPhoneから送信", "Yahoo!メールから送信"
    ("Japanese", r"\S{0,20}(?:" + _DEVICES + r"|携帯|スマートフォン|メール)\S{0,20}から送信"),
    # Greek — iOS "Στάλθηκε από το iPhone μου"
    ("Greek", _sent(r"στάλθηκε από", "το|τη|την", devices="κινητό")),
    # Latvian — iOS "Nosūtīts no mana iPhone"
    ("Latvian", _sent(r"nosūtīts no", "mana|manas", devices="tālruņa")),
    # Slovenian — iOS "Poslano iz mojega iPhona"
    ("Slovenian", _sent(r"poslano (?:iz|z|s)", "mojega|moje", devices="iphona|telefona")),
)
_MOBILE_SIGNATURE = re.compile("|".join(f"(?:{p})" for _, p in _MOBILE_SIGNATURES), _FLAGS)
_SIGNATURE_WRAPPERS = "()<>[]*_ \t"
_MOBILE_SIGNATURE_MAX = 150

# "-- " (RFC 3676 signature separator, often sent without its space) and "ᐧ", the mark that
# Gmail tracking extensions add under the message.
_SIGNATURE_DELIMITER = re.compile(r"--\s*|\u1427")

# Quote markers: ">" (also nested "> >" / ">>"), "|" (some webmails; but not a table row with
# more pipes) and supercite's "Name>" ("Richard> …", "C> …").
_QUOTE = re.compile(r"\s*(?:>|\|(?=\s|$)(?!.*\|)|[A-Za-z][\w.-]{0,19}>(?=\s|$))")
_FENCE = re.compile(r"\s*(?:```|~~~)")
_NEWLINES = re.compile(r"\r\n?")

# Wrapped attribution lines are searched over at most this many lines, and this many characters.
_ATTRIBUTION_LINES = 6
_ATTRIBUTION_CHARS = 500
# Text under a quote that is kept as an inline answer when a header sits above the quote.
_INLINE_ANSWER_LINES = 3


class _Kind(Enum):
    EMPTY = "e"
    TEXT = "t"
    QUOTE = "q"
    HEADER = "h"
    SIGNATURE = "s"  # a mobile signature, or a signature delimiter
    RULE = "r"  # a horizontal rule; decided by what follows it


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def trim_reply(text: str) -> Trimmed:
    """Split a plain-text reply into the customer's new text and the quoted rest."""
    normalised = _NEWLINES.sub("\n", text)
    if not normalised.strip():
        return Trimmed(visible="", elided="")
    lines, attributions = _join_attributions(normalised.split("\n"))
    kinds = _classify(lines, attributions)
    keep = _decide(kinds)
    visible = _block([line for line, kept in zip(lines, keep, strict=True) if kept])
    if not visible.strip():
        return Trimmed(visible=_block(normalised.split("\n")), elided="")
    elided = _block([line for line, kept in zip(lines, keep, strict=True) if not kept])
    return Trimmed(visible=visible, elided=elided)


def _block(lines: Sequence[str]) -> str:
    """Lines joined, without blank lines at either end or whitespace at the very end."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end]).rstrip()


# --------------------------------------------------------------------------------------------
# Pass 1: attribution lines, joined where they were wrapped
# --------------------------------------------------------------------------------------------


def _join_attributions(lines: list[str]) -> tuple[list[str], set[int]]:
    """Join wrapped attribution lines; return the new lines and the attribution indices."""
    spans = _attribution_spans(lines)
    if not spans:
        return lines, set()
    joined: list[str] = []
    attributions: set[int] = set()
    index = 0
    for start in sorted(spans):
        end = spans[start]
        joined.extend(lines[index:start])
        attributions.add(len(joined))
        if end - start == 1:
            joined.append(lines[start])
        else:
            joined.append(" ".join(part.strip() for part in lines[start:end] if part.strip()))
        index = end
    joined.extend(lines[index:])
    return joined, attributions


def _attribution_spans(lines: list[str]) -> dict[int, int]:
    """Attribution lines as {first line: line after the last}, the shortest span per end."""
    spans: dict[int, int] = {}
    for end, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or len(stripped) > _ATTRIBUTION_CHARS:
            continue
        ends_in_colon = stripped[-1] in ":：։"
        quoted = _QUOTE.match(line) is not None
        # A wrapped attribution may end in a line like "> wrote:" or ">:"; other quoted lines
        # belong to the quote.
        if quoted and not (ends_in_colon and len(stripped) <= 12):
            continue
        longest = _ATTRIBUTION_LINES if ends_in_colon else 1
        candidates = list(_candidates(lines, end, longest, spans, quoted))
        found = next((start for start, text in candidates if _dated_attribution(text)), None)
        if found is None:
            named = (start for start, text in candidates if _named(lines, start, end, text))
            found = next(named, None)
        if found is None and not quoted and _usenet_attribution(lines, end, stripped):
            found = end
        if found is not None:
            for start in range(found, end + 1):  # absorb shorter ones found inside this one
                spans.pop(start, None)
            spans[found] = end + 1
    return spans


def _inside_span(spans: dict[int, int], index: int) -> bool:
    """Is ``index`` a line after the first of an attribution already found?"""
    for start in range(index - 1, index - _ATTRIBUTION_LINES - 1, -1):
        if start in spans:
            return spans[start] > index
    return False


def _candidates(
    lines: list[str], end: int, longest: int, spans: dict[int, int], quoted: bool
) -> list[tuple[int, str]]:
    """The texts that lines[start..end] join to, shortest first."""
    candidates: list[tuple[int, str]] = []
    parts: list[str] = []
    for start in range(end, max(end - longest, -1), -1):
        line = lines[start]
        if start < end and _QUOTE.match(line):
            break
        if _inside_span(spans, start):
            break
        if line.strip():
            parts.insert(0, line.strip())
        if not line.strip() or (quoted and start == end):
            continue
        text = " ".join(parts)
        if len(text) > _ATTRIBUTION_CHARS:
            break
        candidates.append((start, text))
    return candidates


def _dated_attribution(text: str) -> bool:
    """ "On <date>, <name> wrote:" and kin: a known opening, and a date (so a digit) in it."""
    return _DIGIT.search(text) is not None and _ATTRIBUTION.fullmatch(text) is not None


def _named(lines: list[str], start: int, end: int, text: str) -> bool:
    """ "<name> <address> wrote:" and kin: trusted only with an e-mail address in it."""
    if start < end and start > 0 and lines[start - 1].strip():
        return False  # a wrapped one must start a paragraph: do not swallow the text above
    return _ADDRESS.search(text) is not None and bool(_NAMED_ATTRIBUTION.fullmatch(text))


def _usenet_attribution(lines: list[str], index: int, text: str) -> bool:
    """ "John Doe wrote:" on a line of its own, with a quote right under it."""
    if index > 0 and lines[index - 1].strip():
        return False
    match = _USENET_ATTRIBUTION.fullmatch(text)
    if match is None:
        return False
    words = match.group("name").split()
    if len(words) == 1 and words[0].lower() in _PRONOUNS:
        return False
    if not all(word[0].isupper() or "@" in word for word in words):
        return False
    for following in range(index + 1, len(lines)):
        if lines[following].strip():
            return _QUOTE.match(lines[following]) is not None
    return False


# --------------------------------------------------------------------------------------------
# Pass 2: what each line is
# --------------------------------------------------------------------------------------------


def _classify(lines: list[str], attributions: set[int]) -> list[_Kind]:
    kinds: list[_Kind] = []
    in_fence = False
    block_end = -1  # last line of an Outlook header block being read
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _FENCE.match(line):
            in_fence = not in_fence
            kinds.append(_Kind.TEXT)
        elif in_fence:
            kinds.append(_Kind.TEXT if stripped else _Kind.EMPTY)
        elif not stripped:
            kinds.append(_Kind.EMPTY)
        elif index in attributions or index <= block_end:
            kinds.append(_Kind.HEADER)
        elif _QUOTE.match(line):
            kinds.append(_Kind.QUOTE)
        elif _SEPARATOR.fullmatch(stripped):
            kinds.append(_Kind.HEADER)
        elif (end := _header_block_end(lines, index)) is not None:
            block_end = end
            kinds.append(_Kind.HEADER)
        elif _SIGNATURE_DELIMITER.fullmatch(stripped) or _is_mobile_signature(stripped):
            kinds.append(_Kind.SIGNATURE)
        elif _RULE.fullmatch(line) or _DASHED_TITLE.fullmatch(line):
            kinds.append(_Kind.RULE)
        else:
            kinds.append(_Kind.TEXT)
    return _settle_rules(lines, kinds)


def _header_block_end(lines: list[str], index: int) -> int | None:
    """The last line of a "From: / Sent: / To: / Subject:" block starting here, if it is one."""
    if not _ANY_FIRST_FIELD.match(lines[index]):
        return None
    for first, rest in _HEADER_BLOCKS:
        if not first.match(lines[index]):
            continue
        fields, last = 0, index
        for offset in range(index + 1, min(index + _HEADER_BLOCK_LINES, len(lines))):
            if not lines[offset].strip():
                break
            if rest.match(lines[offset]):
                fields, last = fields + 1, offset
        if fields >= 2:
            return last
    return None


def _is_mobile_signature(stripped: str) -> bool:
    if len(stripped) > _MOBILE_SIGNATURE_MAX:
        return False
    core = stripped.strip(_SIGNATURE_WRAPPERS)
    return bool(core) and _MOBILE_SIGNATURE.fullmatch(core) is not None


def _settle_rules(lines: list[str], kinds: list[_Kind]) -> list[_Kind]:
    """A rule right above a header belongs to it; a line of underscores (Outlook's separator)
    ends the message; other rules and dashed titles are the customer's text."""
    settled = list(kinds)
    for index in range(len(kinds) - 1, -1, -1):
        if kinds[index] is not _Kind.RULE:
            continue
        following = _next_non_empty(settled, index + 1, len(settled))
        if following is not None and settled[following] is _Kind.HEADER:
            settled[index] = _Kind.HEADER
        elif set(lines[index].strip()) == {"_"}:
            settled[index] = _Kind.SIGNATURE
        else:
            settled[index] = _Kind.TEXT
    return settled


# --------------------------------------------------------------------------------------------
# Pass 3: what to keep
# --------------------------------------------------------------------------------------------


def _decide(kinds: list[_Kind]) -> list[bool]:
    count = len(kinds)
    keep = [True] * count
    cut = next((i for i, kind in enumerate(kinds) if kind is _Kind.SIGNATURE), count)
    _drop(keep, cut, count)
    seen_text = False
    index = 0
    while index < cut:
        kind = kinds[index]
        if kind is _Kind.HEADER:
            end = _header_end(kinds, index, cut)
            _drop(keep, index, end)
            if not seen_text:
                # Bottom-posting or forwarding: the header goes, and the quote under it when
                # the answer just follows that quote.
                index = _drop_quote_answered_below(kinds, keep, end, cut)
                continue
            if _answered_inline(kinds, end, cut):
                index = end
                continue
            _drop(keep, end, cut)
            break
        if kind in (_Kind.TEXT, _Kind.QUOTE):
            seen_text = True
        index += 1
    _drop_trailing_quote(kinds, keep)
    return keep


def _drop(keep: list[bool], start: int, end: int) -> None:
    for index in range(start, end):
        keep[index] = False


def _next_non_empty(kinds: list[_Kind], start: int, end: int) -> int | None:
    return next((i for i in range(start, end) if kinds[i] is not _Kind.EMPTY), None)


def _header_end(kinds: list[_Kind], start: int, cut: int) -> int:
    """The line after a run of header lines (blank lines between them included)."""
    last = start
    for index in range(start, cut):
        if kinds[index] is _Kind.HEADER:
            last = index
        elif kinds[index] is not _Kind.EMPTY:
            break
    return last + 1


def _quote_end(kinds: list[_Kind], start: int, cut: int) -> int:
    """The line after the last quote line of the quote block starting at ``start``."""
    last = start
    for index in range(start, cut):
        if kinds[index] is _Kind.QUOTE:
            last = index
        elif kinds[index] is not _Kind.EMPTY:
            break
    return last + 1


def _drop_quote_answered_below(kinds: list[_Kind], keep: list[bool], start: int, cut: int) -> int:
    """Drop the quote under a top header unless answers are interleaved with it."""
    quote = _next_non_empty(kinds, start, cut)
    if quote is None or kinds[quote] is not _Kind.QUOTE:
        return start
    end = _quote_end(kinds, quote, cut)
    answer = _next_non_empty(kinds, end, cut)
    if answer is not None and kinds[answer] is _Kind.TEXT:
        for index in range(answer, cut):
            if kinds[index] is _Kind.HEADER:
                break
            if kinds[index] is _Kind.QUOTE:
                return start  # interleaved quotes and answers: an inline reply, keep them
    _drop(keep, start, end)
    return end


def _answered_inline(kinds: list[_Kind], start: int, cut: int) -> bool:
    """Is the quote under a header (after the customer's text) answered inline?"""
    quote = _next_non_empty(kinds, start, cut)
    if quote is None or kinds[quote] is not _Kind.QUOTE:
        return False
    answer_lines = 0
    for index in range(_quote_end(kinds, quote, cut), cut):
        if kinds[index] is _Kind.QUOTE:
            return answer_lines > 0
        if kinds[index] is _Kind.HEADER:
            break
        if kinds[index] is _Kind.TEXT:
            answer_lines += 1
    return answer_lines >= _INLINE_ANSWER_LINES


def _drop_trailing_quote(kinds: list[_Kind], keep: list[bool]) -> None:
    """Drop a quote block that ends the message after the customer's text."""
    kept = [i for i, k in enumerate(keep) if k and kinds[i] is not _Kind.EMPTY]
    if not kept or kinds[kept[-1]] is not _Kind.QUOTE:
        return
    position = len(kept) - 1
    while position >= 0 and kinds[kept[position]] is _Kind.QUOTE:
        position -= 1
    if position < 0:
        return  # nothing but quotes: leave them
    _drop(keep, kept[position] + 1, len(keep))

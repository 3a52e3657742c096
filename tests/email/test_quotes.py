"""Quoted-reply and signature stripping: what the agent sees of an inbound reply."""

from __future__ import annotations

import pytest

from frontdesk.channels.email.quotes import Trimmed, trim_reply

REPLY = "Thanks, that fixed it."
QUOTE = "> Could you restart the router and try again?"


def _reply_above(header: str, reply: str = REPLY, quote: str = QUOTE) -> str:
    return f"{reply}\n\n{header}\n{quote}\n>\n> Kind regards,\n> Support\n"


# Attribution lines as each language's mail clients write them (written for these tests).
ATTRIBUTIONS = {
    "English, Gmail": "On Mon, Mar 4, 2024 at 10:15 AM Jane Roe <jane@example.com> wrote:",
    "English, Apple Mail": "On 4 Mar 2024, at 10:15, Jane Roe <jane@example.com> wrote:",
    "English, Eudora": "At 3/4/2024 10:15 AM, you wrote:",
    "German, Apple Mail": "Am 04.03.2024 um 10:15 schrieb Erika Muster <erika@example.de>:",
    "German, Gmail": "Erika Muster <erika@example.de> schrieb am Mo., 4. März 2024 um 10:15 Uhr:",
    "French, Gmail": "Le lun. 4 mars 2024 à 10:15, Jean Dupont <jean@example.fr> a écrit\u00a0:",
    "Spanish, Gmail": "El lun, 4 mar 2024 a las 10:15, Ana Pérez (<ana@example.es>) escribió:",
    "Dutch, Apple Mail": "Op 4 mrt. 2024 om 10:15 heeft Piet Jansen <piet@example.nl> het "
    "volgende geschreven:",
    "Dutch, Gmail": "Op ma 4 mrt 2024 om 10:15 schreef Piet Jansen <piet@example.nl>:",
    "Italian, Gmail": "Il giorno lun 4 mar 2024 alle ore 10:15 Mario Rossi <mario@example.it> "
    "ha scritto:",
    "Portuguese, Gmail": "Em seg., 4 de mar. de 2024 às 10:15, João Silva <joao@example.pt> "
    "escreveu:",
    "Russian, Gmail": "4 мар. 2024 г. в 10:15 пользователь Иван Петров <ivan@example.ru> написал:",
    "Russian, Thunderbird": "04.03.2024 10:15, Иван Петров пишет:",
    "Ukrainian, Gmail": "пн, 4 бер. 2024 р. о 10:15 Олена Коваль <olena@example.ua> пише:",
    "Polish, Thunderbird": "W dniu 4.03.2024 o 10:15, Jan Kowalski pisze:",
    "Polish, Gmail": "pon., 4 mar 2024 o 10:15 Jan Kowalski <jan@example.pl> napisał(a):",
    "Swedish, Apple Mail": "Den 4 mars 2024 kl. 10:15 skrev Anna Svensson <anna@example.se>:",
    "Norwegian, Gmail": "man. 4. mar. 2024 kl. 10:15 skrev Ola Nordmann <ola@example.no>:",
    "Danish, Apple Mail": "Den 4. mar. 2024 kl. 10.15 skrev Mette Hansen <mette@example.dk>:",
    "Finnish, Gmail": "ma 4. maalisk. 2024 klo 10.15 Anna Virtanen (<anna@example.fi>) kirjoitti:",
    "Chinese, Apple Mail": "在 2024年3月4日，上午10:15，王伟 <wei@example.cn> 写道：",
    "Japanese, Gmail": "2024年3月4日(月) 10:15 山田太郎 <taro@example.jp>:",
    "Armenian": "Երկ, 4 մարտի 2024 թ., 10:15 Արամ Պետրոսյան <aram@example.am> գրել է:",
    "Tamil": "திங்., 4 மார்., 2024, 10:15 அன்று, குமார் <kumar@example.in> எழுதியது:",
    "Latvian": "pirmd., 2024. gada 4. marts, plkst. 10:15 — lietotājs Anna Bērziņa "
    "(<anna@example.lv>) rakstīja:",
    "Greek": "Στις Δευ 4 Μαρ 2024 στις 10:15 π.μ., ο/η Νίκος Παπαδόπουλος <nikos@example.gr> "
    "έγραψε:",
    "Slovenian, Gmail": "V pon., 4. mar. 2024 ob 10:15 je oseba Ana Novak <ana@example.si> "
    "napisala:",
    "Slovenian, Thunderbird": "4. 03. 2024 ob 10:15 je Ana Novak <ana@example.si> napisal(a):",
}


@pytest.mark.parametrize("header", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
def test_an_attribution_line_and_the_quote_under_it_are_elided(header: str) -> None:
    trimmed = trim_reply(_reply_above(header))

    assert trimmed.visible == REPLY
    assert trimmed.elided.startswith(header)
    assert QUOTE in trimmed.elided


@pytest.mark.parametrize("header", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
def test_an_attribution_line_without_quote_marks_is_elided_with_what_follows(header: str) -> None:
    message = f"{REPLY}\n\n{header}\n\nCould you restart the router and try again?\n"

    assert trim_reply(message).visible == REPLY


def test_an_attribution_line_wrapped_by_the_client_is_recognised_and_shown_joined() -> None:
    message = (
        "Works now.\n\n"
        "On Mon, Mar 4, 2024 at 10:15 AM Jane Roe via Example Support <\n"
        "support@example.com> wrote:\n\n"
        "> Please try again.\n"
    )

    trimmed = trim_reply(message)

    assert trimmed.visible == "Works now."
    assert trimmed.elided.splitlines()[0] == (
        "On Mon, Mar 4, 2024 at 10:15 AM Jane Roe via Example Support < support@example.com> wrote:"
    )


def test_a_french_attribution_wrapped_over_three_lines_is_recognised() -> None:
    message = (
        "Parfait, merci.\n"
        'Le 4 mars 2024 10:15, "Jean Dupont"\n'
        "<jean@example.fr>\n"
        "a écrit :\n\n"
        "> Voici la facture.\n"
    )

    assert trim_reply(message).visible == "Parfait, merci."


def test_a_paragraph_that_merely_starts_with_on_is_not_taken_for_an_attribution() -> None:
    message = (
        "On second thought, keep the order.\n\nOn the invoice, what you wrote:\n\nis still wrong.\n"
    )

    assert trim_reply(message).visible == message.strip()


def test_quoting_what_i_wrote_earlier_is_not_an_attribution() -> None:
    message = "Hello,\n\nLast week I wrote:\n> Please fix the printer.\n\nIt is still broken!"

    assert trim_reply(message).visible == message


def test_a_usenet_style_name_wrote_line_above_a_quote_is_elided() -> None:
    trimmed = trim_reply("Agreed, ship it.\n\nJohn Doe wrote:\n> We could ship on Friday.\n")

    assert trimmed.visible == "Agreed, ship it."
    assert trimmed.elided == "John Doe wrote:\n> We could ship on Friday."


# Outlook / Exchange header blocks (written for these tests).
HEADER_BLOCKS = {
    "English": "-----Original Message-----\nFrom: Jane Roe <jane@example.com>\n"
    "Sent: Monday, March 4, 2024 10:15 AM\nTo: support@example.com\nSubject: Router",
    "English, no separator": "________________________________\nFrom: Jane Roe\n"
    "Sent: Monday, March 4, 2024 10:15 AM\nTo: Support\nSubject: Router",
    "English, bold": "*From:* Jane Roe\n*Sent:* 2024-03-04\n*To:* Support\n*Subject:* Router",
    "German": "-----Ursprüngliche Nachricht-----\nVon: Erika Muster <erika@example.de>\n"
    "Gesendet: Montag, 4. März 2024 10:15\nAn: support@example.com\nBetreff: Router",
    "French": "De : Jean Dupont <jean@example.fr>\nEnvoyé : lundi 4 mars 2024 10:15\n"
    "À : support@example.com\nObjet : Routeur",
    "Spanish": "-----Mensaje original-----\nDe: Ana Pérez\nEnviado: lunes, 4 de marzo de 2024\n"
    "Para: soporte@example.com\nAsunto: Router",
    "Italian": "Da: Mario Rossi\nInviato: lunedì 4 marzo 2024 10:15\nA: assistenza@example.it\n"
    "Oggetto: Router",
    "Dutch": "Van: Piet Jansen\nVerzonden: maandag 4 maart 2024 10:15\nAan: support@example.nl\n"
    "Onderwerp: Router",
    "Swedish": "Från: Anna Svensson\nSkickat: den 4 mars 2024 10:15\nTill: support@example.se\n"
    "Ämne: Router",
    "Polish": "Od: Jan Kowalski\nWysłano: poniedziałek, 4 marca 2024 10:15\nDo: pomoc@example.pl\n"
    "Temat: Router",
    "Russian": "От: Иван Петров\nОтправлено: 4 марта 2024 г. 10:15\nКому: support@example.ru\n"
    "Тема: Роутер",
    "Greek": "Από: Νίκος Παπαδόπουλος\nΣτάλθηκε: Δευτέρα, 4 Μαρτίου 2024 10:15 π.μ.\n"
    "Προς: support@example.gr\nΘέμα: Router",
    "Slovenian": "Od: Ana Novak\nPoslano: ponedeljek, 4. marec 2024 10:15\nZa: pomoc@example.si\n"
    "Zadeva: Usmerjevalnik",
    "Latvian": "No: Anna Bērziņa\nNosūtīts: pirmdiena, 2024. gada 4. marts 10:15\n"
    "Kam: atbalsts@example.lv\nTēma: Maršrutētājs",
}


@pytest.mark.parametrize("block", HEADER_BLOCKS.values(), ids=HEADER_BLOCKS.keys())
def test_an_outlook_header_block_and_the_message_under_it_are_elided(block: str) -> None:
    message = f"{REPLY}\n\n{block}\n\nCould you restart the router and try again?\n"

    trimmed = trim_reply(message)

    assert trimmed.visible == REPLY
    assert trimmed.elided.startswith(block.splitlines()[0])


def test_lines_that_look_like_one_header_field_are_the_customers_text() -> None:
    message = "From: the shop in Leeds\nThe parcel never arrived.\n\nTo: whom it may concern"

    assert trim_reply(message).visible == message


def test_the_signature_after_the_dash_dash_delimiter_is_elided() -> None:
    trimmed = trim_reply("See you Monday.\n\n-- \nJane Roe\nExample Ltd\n+44 20 0000 0000\n")

    assert trimmed.visible == "See you Monday."
    assert trimmed.elided == "-- \nJane Roe\nExample Ltd\n+44 20 0000 0000"


def test_a_signature_delimiter_inside_a_code_block_is_kept() -> None:
    message = "The config says:\n\n```\n--\n____________\n```\n\nIs that right?"

    assert trim_reply(message).visible == message


MOBILE_SIGNATURES = {
    "English, iOS": "Sent from my iPhone",
    "English, Android": "Sent from my Galaxy",
    "English, Outlook": "Get Outlook for Android",
    "German": "Von meinem iPhone gesendet",
    "French": "Envoyé de mon iPhone",
    "Spanish": "Enviado desde mi iPhone",
    "Portuguese": "Enviado do meu iPhone",
    "Italian": "Inviato da iPhone",
    "Dutch": "Verzonden vanaf mijn iPhone",
    "Swedish": "Skickat från min iPhone",
    "Norwegian, Danish": "Sendt fra min iPhone",
    "Polish": "Wysłane z iPhone'a",
    "Russian": "Отправлено с iPhone",
    "Ukrainian": "Надіслано з iPhone",
    "Chinese": "发自我的iPhone",
    "Japanese": "iPhoneから送信",
    "Greek": "Στάλθηκε από το iPhone μου",
    "Latvian": "Nosūtīts no mana iPhone",
    "Slovenian": "Poslano iz mojega iPhona",
}


@pytest.mark.parametrize("signature", MOBILE_SIGNATURES.values(), ids=MOBILE_SIGNATURES.keys())
def test_a_mobile_signature_and_everything_under_it_are_elided(signature: str) -> None:
    trimmed = trim_reply(f"{REPLY}\n\n{signature}\n\n{ATTRIBUTIONS['English, Gmail']}\n{QUOTE}")

    assert trimmed.visible == REPLY
    assert trimmed.elided.startswith(signature)


@pytest.mark.parametrize(
    "line",
    [
        "Sent from the warehouse yesterday.",
        "Sent from my office on Monday, so it should be there.",
        "Sent from London by courier.",
        "Envoyé de mon bureau hier.",
    ],
)
def test_a_sentence_that_starts_like_a_mobile_signature_is_kept(line: str) -> None:
    message = f"{line}\nIt should arrive on Friday."

    assert trim_reply(message).visible == message


def test_nested_quotes_under_the_reply_are_elided_whole() -> None:
    message = (
        "Sounds good.\n\n"
        "On Tue, 5 Mar 2024 at 09:00, Jane Roe <jane@example.com> wrote:\n"
        "> Shall we say Thursday?\n"
        ">\n"
        "> On Mon, 4 Mar 2024 at 10:15, Sam Poe <sam@example.com> wrote:\n"
        ">> When can you come?\n"
        ">>\n"
        ">>> Any day this week.\n"
    )

    trimmed = trim_reply(message)

    assert trimmed.visible == "Sounds good."
    assert trimmed.elided.endswith(">>> Any day this week.")


def test_a_quote_block_ending_the_message_is_elided_even_without_attribution() -> None:
    trimmed = trim_reply("Yes, please.\n\n> Shall we renew your plan?\n>> Your plan ends soon.")

    assert trimmed.visible == "Yes, please."
    assert trimmed.elided == "> Shall we renew your plan?\n>> Your plan ends soon."


def test_quotes_answered_inline_are_kept_and_only_the_attribution_goes() -> None:
    message = (
        "Hi Jane,\n\n"
        "On Mon, 4 Mar 2024 at 10:15, Jane Roe <jane@example.com> wrote:\n"
        "> What is your order number?\n\n"
        "It is 4711.\n\n"
        "> And your postcode?\n\n"
        "SW1A 1AA.\n\n"
        "Thanks"
    )

    trimmed = trim_reply(message)

    assert trimmed.visible == (
        "Hi Jane,\n\n"
        "> What is your order number?\n\n"
        "It is 4711.\n\n"
        "> And your postcode?\n\n"
        "SW1A 1AA.\n\n"
        "Thanks"
    )
    assert trimmed.elided == "On Mon, 4 Mar 2024 at 10:15, Jane Roe <jane@example.com> wrote:"


def test_a_quote_the_customer_answers_below_is_kept() -> None:
    message = "> What is your order number?\n\nIt is 4711."

    assert trim_reply(message).visible == message


def test_a_bottom_posted_answer_loses_the_attribution_and_the_quote_above_it() -> None:
    message = (
        "On Mon, 4 Mar 2024 at 10:15, Jane Roe <jane@example.com> wrote:\n\n"
        "> What is your order number?\n\n"
        "It is 4711.\n"
    )

    assert trim_reply(message) == Trimmed(
        visible="It is 4711.",
        elided="On Mon, 4 Mar 2024 at 10:15, Jane Roe <jane@example.com> wrote:\n\n"
        "> What is your order number?",
    )


def test_a_message_that_is_all_quote_is_returned_as_it_is() -> None:
    message = "> Is anybody there?\n>\n>> Hello?"

    assert trim_reply(message) == Trimmed(visible=message, elided="")


def test_a_message_that_would_be_stripped_entirely_is_returned_whole() -> None:
    message = "On Mon, 4 Mar 2024 at 10:15, Jane Roe <jane@example.com> wrote:\n> Hello?\n"

    assert trim_reply(message).visible == message.strip()


def test_a_forward_with_nothing_written_above_keeps_the_forwarded_message() -> None:
    message = (
        "---------- Forwarded message ---------\n"
        "From: Jane Roe <jane@example.com>\n"
        "Date: Mon, Mar 4, 2024 at 10:15 AM\n"
        "Subject: Broken router\n"
        "To: <support@example.com>\n\n"
        "My router keeps rebooting.\n"
    )

    trimmed = trim_reply(message)

    assert trimmed.visible == "My router keeps rebooting."
    assert trimmed.elided.startswith("---------- Forwarded message ---------")


def test_a_forward_below_the_customers_note_is_elided() -> None:
    message = (
        "See below, this is urgent.\n\n"
        "Begin forwarded message:\n\n"
        "From: Jane Roe <jane@example.com>\n"
        "Subject: Broken router\n"
        "Date: 4 March 2024 at 10:15:00 GMT\n"
        "To: support@example.com\n\n"
        "My router keeps rebooting.\n"
    )

    assert trim_reply(message).visible == "See below, this is urgent."


def test_windows_line_endings_are_normalised() -> None:
    trimmed = trim_reply("Done.\r\n\r\nOn 4 Mar 2024, at 10:15, Jane wrote:\r\n> Done?\r\n")

    assert trimmed == Trimmed(
        visible="Done.", elided="On 4 Mar 2024, at 10:15, Jane wrote:\n> Done?"
    )


def test_blank_lines_around_the_reply_are_trimmed_but_its_layout_is_kept() -> None:
    trimmed = trim_reply("\n\n    indented code\n\n- a\n- b\n\n\n")

    assert trimmed.visible == "    indented code\n\n- a\n- b"


def test_an_empty_message_stays_empty() -> None:
    assert trim_reply(" \n\n") == Trimmed(visible="", elided="")


def test_markdown_tables_and_horizontal_rules_are_the_customers_text() -> None:
    message = "| item | qty |\n|------|-----|\n| cable | 2 |\n\n-----\n\nThat is all.\nThanks"

    assert trim_reply(message).visible == message

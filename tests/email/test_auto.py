"""classify(): which inbound mail is an auto-reply, a list post, a bounce or a complaint."""

from __future__ import annotations

import email
import textwrap
from email.message import Message

import pytest

from frontdesk.channels.email.auto import classify


def mail(text: str) -> Message:
    """A message from indented source text, the way intake parses raw bytes."""
    raw = textwrap.dedent(text).lstrip("\n").replace("\n", "\r\n").encode("utf-8")
    return email.message_from_bytes(raw)


def person(extra_headers: str = "", subject: str = "Question about my order") -> Message:
    """A customer's message, with extra header lines ("Name: value\n...") if given."""
    head = (
        "Return-Path: <ana@example.org>\n"
        "From: Ana Silva <ana@example.org>\n"
        "To: support@frontdesk.example\n"
        f"Subject: {subject}\n"
        "Message-ID: <a1@example.org>\n"
    )
    raw = head + extra_headers + "\nHello, where is my parcel?\n"
    return email.message_from_bytes(raw.replace("\n", "\r\n").encode("utf-8"))


# --------------------------------------------------------------------------------------------
# People


def test_a_person_writing_is_not_automatic() -> None:
    verdict = classify(person())

    assert verdict.kind is None
    assert verdict.bounced_recipients == ()


def test_a_customer_saying_their_delivery_failed_is_not_a_bounce() -> None:
    message = mail(
        """
        Return-Path: <bob@example.com>
        From: Bob <bob@example.com>
        To: support@frontdesk.example
        Subject: Delivery failed - undeliverable parcel
        Message-ID: <b1@example.com>

        Hi, my delivery failed twice and the courier says the parcel is undeliverable.
        The tracking page shows error 550 and "recipient unknown".
        Could you send it again to:

        bob.new@example.com

        Thanks, Bob
        """
    )

    assert classify(message).kind is None


def test_a_customer_forwarding_a_bounce_asks_for_help_and_is_not_a_bounce() -> None:
    message = mail(
        """
        From: Bob <bob@example.com>
        To: support@frontdesk.example
        Subject: Fwd: Undelivered Mail Returned to Sender

        Why does this happen?

        Begin forwarded message:

        > From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
        > Subject: Undelivered Mail Returned to Sender
        >
        > <carol@example.net>: host mx.example.net said: 550 5.1.1 User unknown
        """
    )

    assert classify(message).kind is None


def test_a_shops_failed_delivery_notice_is_not_a_bounce() -> None:
    message = mail(
        """
        Return-Path: <bounces+123@mailer.shop.example>
        From: Shop <no-reply@shop.example>
        To: support@frontdesk.example
        Subject: Delivery failed: your parcel could not be delivered
        Message-ID: <s1@shop.example>

        We could not deliver your parcel. Delivery failed at 10:40.

        help@shop.example
        Phone 555 0100
        """
    )

    assert classify(message).kind is None


def test_a_read_receipt_is_automatic() -> None:
    message = mail(
        """
        From: Ana Silva <ana@example.org>
        To: support@frontdesk.example
        Subject: Read: Your ticket #7
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=disposition-notification; boundary="R"

        --R
        Content-Type: text/plain

        Your message to ana@example.org was displayed.

        --R
        Content-Type: message/disposition-notification

        Final-Recipient: rfc822; ana@example.org
        Disposition: manual-action/MDN-sent-manually; displayed

        --R--
        """
    )

    verdict = classify(message)

    assert verdict.kind == "auto-reply"
    assert verdict.bounced_recipients == ()


def test_unparseable_input_does_not_raise() -> None:
    verdict = classify(email.message_from_bytes(b"\x00\xff garbage\r\n\r\n\x1b$B"))

    assert verdict.kind is None


# --------------------------------------------------------------------------------------------
# Auto-replies and lists, from headers


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied"),
        ("Auto-Submitted: auto-generated", "Auto-Submitted: auto-generated"),
        ("X-Autoreply: yes", "x-autoreply header"),
        ("X-Autorespond: Out of office", "x-autorespond header"),
        ("X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress header"),
        ("Precedence: auto_reply", "Precedence: auto_reply"),
        ("Precedence: bulk", "Precedence: bulk"),
        ("Precedence: junk", "Precedence: junk"),
    ],
)
def test_each_automation_header_makes_an_auto_reply(header: str, reason: str) -> None:
    verdict = classify(person(header + "\n"))

    assert verdict.kind == "auto-reply"
    assert verdict.reason == reason


def test_auto_submitted_no_means_a_person_sent_it() -> None:
    assert classify(person("Auto-Submitted: no\n")).kind is None


@pytest.mark.parametrize(
    "header",
    [
        "List-Id: Announcements <announce.example.org>",
        "List-Unsubscribe: <mailto:leave@example.org>",
        "Precedence: list",
    ],
)
def test_list_headers_make_a_list_mail(header: str) -> None:
    assert classify(person(header + "\n")).kind == "list"


def test_list_headers_win_over_weak_hints_of_automation() -> None:
    message = person("List-Id: <news.example.org>\nPrecedence: bulk\n")

    assert classify(message).kind == "list"


def test_an_out_of_office_reply_sent_to_a_list_is_still_an_auto_reply() -> None:
    message = person("List-Id: <team.example.org>\n", subject="Out of Office: standup notes")

    assert classify(message).kind == "auto-reply"


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Your ticket #123",
        "Out of office until 5 May",
        "Automatic reply: Your ticket #123",
        "Auto-Reply: Your ticket #123",
        "Automatische Antwort: Ihre Anfrage",
        "Abwesenheitsnotiz: Ihre Anfrage",
        "Réponse automatique : Votre demande",
        "Respuesta automática: Su solicitud",
        "Risposta automatica: La sua richiesta",
        "Autosvar: Din förfrågan",
        "Automatyczna odpowiedź: Zgłoszenie",
        "Автоматический ответ: Ваш запрос",
        "Ավտոմատ պատասխան: Ձեր հարցումը",
        "தானியங்கி பதில்: உங்கள் கோரிக்கை",
        "Automātiskā atbilde: Jūsu pieprasījums",
        "Αυτόματη απάντηση: Το αίτημά σας",
        "Samodejni odgovor: Vaša zahteva",
        "自動応答: お問い合わせ",
        "自动回复: 您的请求",
    ],
)
def test_out_of_office_subjects_in_many_languages_are_auto_replies(subject: str) -> None:
    verdict = classify(person(subject=subject))

    assert verdict.kind == "auto-reply"
    assert verdict.reason == "out-of-office subject"


@pytest.mark.parametrize(
    "subject",
    ["Out of office printer is broken", "Vacation request for May", "Automation question"],
)
def test_ordinary_subjects_that_start_alike_are_not_auto_replies(subject: str) -> None:
    assert classify(person(subject=subject)).kind is None


def test_a_vacation_reply_with_an_empty_return_path_naming_a_colleague_is_not_a_bounce() -> None:
    message = mail(
        """
        Return-Path: <>
        From: Dana <dana@example.com>
        To: support@frontdesk.example
        Subject: Automatic reply: Your ticket
        Auto-Submitted: auto-replied

        I am away until Monday. For anything urgent please write to

        erik@example.com
        """
    )

    verdict = classify(message)

    assert verdict.kind == "auto-reply"
    assert verdict.bounced_recipients == ()


# --------------------------------------------------------------------------------------------
# Delivery-status notifications (RFC 3464)

DSN = """\
Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx.frontdesk.example>
To: support@frontdesk.example
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.frontdesk.example

Final-Recipient: rfc822; gone@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient address rejected

Final-Recipient: rfc822; full@example.net
Original-Recipient: rfc822; Full@Example.net
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 Mailbox full

Final-Recipient: rfc822; slow@example.org
Action: delayed
Status: 4.4.1
Diagnostic-Code: X-Postfix; connect to mx.example.org: Connection timed out
Will-Retry-Until: Fri, 3 May 2024 10:00:00 +0000

--B
Content-Type: text/rfc822-headers

From: support@frontdesk.example
To: gone@example.com, full@example.net, slow@example.org
Subject: Your ticket #42
Message-ID: <ticket-42-reply-7@frontdesk.example>

--B--
"""


def test_a_dsn_reports_each_failed_and_delayed_recipient() -> None:
    verdict = classify(mail(DSN))

    assert verdict.kind == "bounce"
    assert verdict.reason == "RFC 3464 delivery-status report"
    gone, full, slow = verdict.bounced_recipients
    assert (gone.address, gone.status, gone.reply_code, gone.permanent) == (
        "gone@example.com",
        "5.1.1",
        "550",
        True,
    )
    assert (full.address, full.status, full.reply_code, full.permanent) == (
        "full@example.net",
        "5.2.2",
        "552",
        True,
    )
    assert (slow.address, slow.status, slow.reply_code, slow.permanent) == (
        "slow@example.org",
        "4.4.1",
        "",
        False,
    )
    assert "Mailbox full" in full.reason


def test_a_dsn_names_the_message_that_bounced() -> None:
    verdict = classify(mail(DSN))

    assert verdict.original_message_id == "ticket-42-reply-7@frontdesk.example"


def test_only_a_delay_warning_is_a_bounce_that_is_not_permanent() -> None:
    delayed_only = DSN.replace("Action: failed", "Action: delayed").replace(
        "Status: 5.", "Status: 4."
    )
    delayed_only = delayed_only.replace("550 5.1.1", "450 4.1.1").replace("552 5.2.2", "452 4.2.2")

    verdict = classify(mail(delayed_only))

    assert verdict.kind == "bounce"
    assert [r.permanent for r in verdict.bounced_recipients] == [False, False, False]


# --------------------------------------------------------------------------------------------
# Bounces written for people (no delivery-status part)


def test_a_postfix_style_text_bounce_gives_recipient_reply_code_and_status() -> None:
    message = mail(
        """
        Return-Path: <>
        From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
        To: support@frontdesk.example
        Subject: Undelivered Mail Returned to Sender

        This is the mail system at host mail.example.com.

        I'm sorry to have to inform you that your message could not
        be delivered to one or more recipients.

        <carol@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.1
            <carol@example.net>: Recipient address rejected: User unknown (in reply
            to RCPT TO command)
        """
    )

    verdict = classify(message)

    assert verdict.kind == "bounce"
    (carol,) = verdict.bounced_recipients
    assert (carol.address, carol.reply_code, carol.status, carol.permanent) == (
        "carol@example.net",
        "550",
        "5.1.1",
        True,
    )


def test_a_qmail_bounce_names_the_recipient_and_keeps_the_original_message_id() -> None:
    message = mail(
        """
        Return-Path: <>
        From: MAILER-DAEMON@mx.example.jp
        To: support@frontdesk.example
        Subject: failure notice

        Hi. This is the qmail-send program at mx.example.jp.
        I'm afraid I wasn't able to deliver your message to the following addresses.
        This is a permanent error; I've given up. Sorry it didn't work out.

        <kenji@example.jp>:
        Sorry, no mailbox here by that name. (#5.1.1)

        --- Below this line is a copy of the message.

        Return-Path: <support@frontdesk.example>
        Received: (qmail 1 invoked by uid 1); 1 May 2024 10:00:00 +0000
        Message-ID: <ticket-9@frontdesk.example>
        From: support@frontdesk.example
        To: kenji@example.jp
        Subject: Your ticket #9

        Hello Kenji
        """
    )

    verdict = classify(message)

    assert verdict.kind == "bounce"
    assert [(r.address, r.status, r.permanent) for r in verdict.bounced_recipients] == [
        ("kenji@example.jp", "5.1.1", True)
    ]
    assert verdict.original_message_id == "ticket-9@frontdesk.example"


def test_exim_x_failed_recipients_names_who_failed() -> None:
    message = mail(
        """
        Return-Path: <>
        From: Mail Delivery System <Mailer-Daemon@mx.example.org>
        To: support@frontdesk.example
        Subject: Mail delivery failed: returning message to sender
        X-Failed-Recipients: dora@example.org

        This message was created automatically by mail delivery software.

        A message that you sent could not be delivered to one or more of its
        recipients. This is a permanent error. The following address(es) failed:

          dora@example.org
            SMTP error from remote mail server after RCPT TO:<dora@example.org>:
            host mx.example.org [192.0.2.7]: 550-5.1.1 The email account that you tried
            to reach does not exist.
        """
    )

    verdict = classify(message)

    assert [(r.address, r.reply_code, r.status) for r in verdict.bounced_recipients] == [
        ("dora@example.org", "550", "5.1.1")
    ]


def test_gmail_says_which_recipient_failed_permanently() -> None:
    message = mail(
        """
        From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
        To: support@frontdesk.example
        Subject: Delivery Status Notification (Failure)
        In-Reply-To: <ticket-3@frontdesk.example>

        Delivery to the following recipient failed permanently:

             eve@example.com

        Technical details of permanent failure:
        The error that the other server returned was:
        550 5.2.1 The email account that you tried to reach is disabled.
        """
    )

    verdict = classify(message)

    assert [(r.address, r.status, r.permanent) for r in verdict.bounced_recipients] == [
        ("eve@example.com", "5.2.1", True)
    ]
    assert verdict.original_message_id == "ticket-3@frontdesk.example"


def test_an_exim_delay_warning_is_a_bounce_that_is_not_permanent() -> None:
    message = mail(
        """
        Return-Path: <>
        From: Mail Delivery System <Mailer-Daemon@mx.example.org>
        To: support@frontdesk.example
        Subject: Warning: message 1abc-00 delayed 24 hours
        X-Failed-Recipients: finn@example.org

        This message was created automatically by mail delivery software.
        A message that you sent has not yet been delivered to one or more of its
        recipients after more than 24 hours on the queue.

          finn@example.org
            Delay reason: SMTP error from remote mail server after RCPT TO:<finn@example.org>:
            host mx.example.org [192.0.2.7]: 451 4.7.1 Greylisted, try again later

        No action is required on your part. Delivery attempts will continue.
        """
    )

    (finn,) = classify(message).bounced_recipients

    assert (finn.status, finn.reply_code, finn.permanent) == ("4.7.1", "451", False)


def test_amazon_ses_bounce_notifications_are_read() -> None:
    message = mail(
        """
        From: SES <no-reply@sns.amazonaws.com>
        To: support@frontdesk.example
        Subject: AWS Notification Message

        {"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":
        [{"emailAddress":"gus@example.com","action":"failed","status":"5.1.1",
        "diagnosticCode":"smtp; 550 5.1.1 user unknown"}]},"mail":{"messageId":"0101-abc"}}
        """
    )

    verdict = classify(message)

    assert verdict.kind == "bounce"
    assert [(r.address, r.status, r.reply_code) for r in verdict.bounced_recipients] == [
        ("gus@example.com", "5.1.1", "550")
    ]


# --------------------------------------------------------------------------------------------
# Complaints (ARF, RFC 5965)


def test_an_arf_report_gives_the_feedback_type_and_the_reported_message() -> None:
    message = mail(
        """
        From: complaints@isp.example
        To: abuse@frontdesk.example
        Subject: FW: Your ticket #5
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="F"

        --F
        Content-Type: text/plain

        This is an email abuse report for an email message received from IP 192.0.2.5.

        --F
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: SomeGenerator/1.0
        Version: 1
        Original-Rcpt-To: <hana@isp.example>

        --F
        Content-Type: message/rfc822

        From: support@frontdesk.example
        To: hana@isp.example
        Subject: Your ticket #5
        Message-ID: <ticket-5@frontdesk.example>

        Hello Hana
        --F--
        """
    )

    verdict = classify(message)

    assert verdict.kind == "feedback-report"
    assert verdict.feedback_type == "abuse"
    assert verdict.original_message_id == "ticket-5@frontdesk.example"
    assert verdict.bounced_recipients == ()

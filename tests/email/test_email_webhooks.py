"""Email posted over HTTP: a raw message, Mailgun's raw MIME forward, Postmark's webhook.

The requests are what each provider documents: Mailgun signs timestamp + token with
HMAC-SHA256 and posts `body-mime` as multipart/form-data to a URL ending in `mime`;
Postmark posts its inbound JSON, authenticated by Basic auth in the webhook URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

import pytest
from sqlalchemy import select

from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inboxes import create_inbox
from frontdesk.models import Attachment, Contact, Message, Ticket
from frontdesk.runtime import Frontdesk
from tests.conftest import ApiClient, World, count, table_gone
from tests.email.mails import customer_mail as mail

SECRET = "inbound-" + "k" * 32
RAW_HEADERS = {"Content-Type": "message/rfc822", "X-Frontdesk-Inbound-Secret": SECRET}


@pytest.fixture
def inbox(fd: Frontdesk) -> int:
    with fd.transaction() as tx:
        return create_inbox(
            tx,
            SYSTEM,
            name="Support",
            kind="email",
            config={"address": "support@example.com", "inbound_secret": SECRET},
            team_id=None,
        ).id


@pytest.fixture
def provider(world: World) -> ApiClient:
    """Someone on the internet: no API token, no session."""
    return world.anonymous.client


def mailgun_form(fd: Frontdesk, raw: bytes, key: str = SECRET, age: int = 0) -> dict[str, Any]:
    """What Mailgun posts to a forward() URL ending in "mime": signature fields and the
    message in body-mime, as multipart/form-data."""
    timestamp = str(int(fd.clock.now().timestamp()) - age)
    token = secrets.token_hex(25)
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {
        "data": {
            "recipient": "support@example.com",
            "sender": "ani@example.org",
            "timestamp": timestamp,
            "token": token,
            "signature": signature,
        },
        "files": {"body-mime": (None, raw)},
    }


def basic(password: str, user: str = "postmark") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


# --------------------------------------------------------------------------------------------
# Raw RFC 5322


def test_a_raw_message_posted_with_the_secret_is_stored(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    response = provider.post(
        f"/api/v1/inboxes/{inbox}/email/raw", content=mail(), headers=RAW_HEADERS
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["outcome"], body["reason"]) == ("stored", "new ticket")
    with fd.read() as session:
        ticket = session.get_one(Ticket, body["ticket_id"])
        message = session.get_one(Message, body["message_id"])
        assert ticket.subject == "Ուշացած պատվեր"
        assert message.text.strip() == "Պատվերս դեռ չի հասել։"


def test_every_route_refuses_a_missing_or_wrong_secret_with_401(
    fd: Frontdesk, inbox: int, provider: ApiClient, world: World
) -> None:
    wrong = "inbound-" + "w" * 32
    base = f"/api/v1/inboxes/{inbox}/email"
    attempts = {
        "raw, no secret": provider.post(f"{base}/raw", content=mail()),
        "raw, wrong secret": provider.post(
            f"{base}/raw", content=mail(), headers={"X-Frontdesk-Inbound-Secret": wrong}
        ),
        "raw, an agent's API token": world.admin.client.post(f"{base}/raw", content=mail()),
        "mailgun, signed with another key": provider.post(
            f"{base}/mailgun/mime", **mailgun_form(fd, mail(), key=wrong)
        ),
        "mailgun, unsigned": provider.post(
            f"{base}/mailgun/mime", files={"body-mime": (None, mail())}
        ),
        "postmark, wrong Basic password": provider.post(
            f"{base}/postmark", json=postmark_payload(), headers=basic(wrong)
        ),
        "postmark, no password": provider.post(f"{base}/postmark", json=postmark_payload()),
    }
    assert {what: r.status_code for what, r in attempts.items()} == dict.fromkeys(attempts, 401)
    assert count(fd, Message) == 0


def test_an_unknown_inbox_or_one_that_is_not_email_answers_404(
    fd: Frontdesk, inbox: int, provider: ApiClient, world: World
) -> None:
    api_inbox = world.admin.client.post(
        "/api/v1/inboxes", json={"name": "Shop app", "kind": "api"}
    ).json()["id"]
    for other in (987_654, api_inbox):
        for route in ("raw", "mailgun/mime", "postmark"):
            response = provider.post(
                f"/api/v1/inboxes/{other}/email/{route}", content=b"{}", headers=RAW_HEADERS
            )
            assert response.status_code == 404, (other, route)


def test_a_raw_message_over_the_inbox_limit_answers_413_and_is_not_stored(
    fd: Frontdesk, inbox: int, provider: ApiClient, world: World
) -> None:
    limited = world.admin.client.patch(
        f"/api/v1/inboxes/{inbox}", json={"config": {"max_message_bytes": 2048}}
    )
    assert limited.status_code == 200, limited.text
    big = mail(body="Պատվեր\n" * 400)
    response = provider.post(f"/api/v1/inboxes/{inbox}/email/raw", content=big, headers=RAW_HEADERS)
    assert response.status_code == 413
    assert "2048" in response.json()["detail"]
    assert count(fd, Message) == 0


def test_a_raw_message_without_a_sender_is_refused_with_422_and_the_reason(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    no_sender = b"To: support@example.com\r\nSubject: ?\r\n\r\nWho am I?\r\n"
    response = provider.post(
        f"/api/v1/inboxes/{inbox}/email/raw", content=no_sender, headers=RAW_HEADERS
    )
    assert response.status_code == 422
    assert response.json() == {
        "outcome": "refused",
        "ticket_id": None,
        "message_id": None,
        "reason": "the message has no sender address",
    }


def test_when_the_database_fails_the_answer_is_503_and_a_retry_stores_the_message(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    url = f"/api/v1/inboxes/{inbox}/email/raw"
    contacts = count(fd, Contact)
    with table_gone(fd, "messages"):
        failed = provider.post(
            url, content=mail(sender="Aram <aram@example.am>"), headers=RAW_HEADERS
        )
    assert failed.status_code == 503
    assert failed.headers["retry-after"] == "60"
    assert (count(fd, Ticket), count(fd, Contact)) == (0, contacts)
    assert provider.post(url, content=mail(), headers=RAW_HEADERS).status_code == 201


# --------------------------------------------------------------------------------------------
# Mailgun


def test_a_mailgun_mime_post_is_stored(fd: Frontdesk, inbox: int, provider: ApiClient) -> None:
    response = provider.post(
        f"/api/v1/inboxes/{inbox}/email/mailgun/mime", **mailgun_form(fd, mail())
    )
    assert response.status_code == 201, response.text
    with fd.read() as session:
        message = session.get_one(Message, response.json()["message_id"])
        assert message.text.strip() == "Պատվերս դեռ չի հասել։"
        assert message.external_id == "order-1@example.org"


def test_a_mailgun_post_may_also_come_urlencoded(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    form = mailgun_form(fd, mail(body="50% off + free shipping & returns?"))
    form["data"]["body-mime"] = form.pop("files")["body-mime"][1].decode()
    response = provider.post(f"/api/v1/inboxes/{inbox}/email/mailgun/mime", **form)
    assert response.status_code == 201, response.text
    with fd.read() as session:
        message = session.get_one(Message, response.json()["message_id"])
        assert message.text.strip() == "50% off + free shipping & returns?"


def test_the_same_mailgun_post_twice_is_stored_once(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    form = mailgun_form(fd, mail())
    url = f"/api/v1/inboxes/{inbox}/email/mailgun/mime"
    first = provider.post(url, **form)
    again = provider.post(url, **form)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["outcome"] == "duplicate"
    assert again.json()["message_id"] == first.json()["message_id"]
    assert (count(fd, Ticket), count(fd, Message)) == (1, 1)


def test_a_mailgun_post_signed_more_than_5_minutes_ago_is_refused(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    url = f"/api/v1/inboxes/{inbox}/email/mailgun/mime"
    stale = provider.post(url, **mailgun_form(fd, mail(), age=301))
    assert stale.status_code == 401
    assert "5 minutes" in stale.json()["detail"]
    assert provider.post(url, **mailgun_form(fd, mail(), age=299)).status_code == 201


def test_a_mailgun_reply_to_the_plus_address_threads_by_the_recipient(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    url = f"/api/v1/inboxes/{inbox}/email/mailgun/mime"
    first = provider.post(url, **mailgun_form(fd, mail())).json()
    with fd.read() as session:
        token = session.get_one(Ticket, first["ticket_id"]).token
    forward = mail(sender="aram@example.net", to="team@example.net", message_id="<fw@x.net>")
    form = mailgun_form(fd, forward)
    form["data"]["recipient"] = f"support+{token}@example.com"  # the envelope, not the header
    second = provider.post(url, **form).json()
    assert (second["ticket_id"], second["reason"]) == (first["ticket_id"], "token")


def test_a_mailgun_post_without_body_mime_explains_the_url(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    form = mailgun_form(fd, mail())
    form["data"]["body-plain"] = "Պատվերս դեռ չի հասել։"  # the parsed format
    del form["files"]
    response = provider.post(f"/api/v1/inboxes/{inbox}/email/mailgun/mime", **form)
    assert response.status_code == 422
    assert "ending in /mime" in response.json()["detail"]


def test_mailgun_is_answered_406_for_a_refused_message_so_that_it_does_not_retry(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    no_sender = b"To: support@example.com\r\nSubject: ?\r\n\r\nWho am I?\r\n"
    response = provider.post(
        f"/api/v1/inboxes/{inbox}/email/mailgun/mime", **mailgun_form(fd, no_sender)
    )
    assert response.status_code == 406
    assert response.json()["reason"] == "the message has no sender address"


# --------------------------------------------------------------------------------------------
# Postmark

INVOICE = b"%PDF-1.4\n" + bytes(range(256)) * 4  # binary: every byte value


def postmark_payload(**changes: Any) -> dict[str, Any]:
    """Postmark's documented inbound JSON, in Armenian, with one attachment."""
    payload: dict[str, Any] = {
        "FromName": "Անի Պետրոսյան",
        "MessageStream": "inbound",
        "From": "ani.p@example.am",
        "FromFull": {"Email": "ani.p@example.am", "Name": "Անի Պետրոսյան", "MailboxHash": ""},
        "To": "Աջակցություն <support@example.com>",
        "ToFull": [{"Email": "support@example.com", "Name": "Աջակցություն", "MailboxHash": ""}],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": "support@example.com",
        "Subject": "Հաշիվ-ապրանքագիր № 1234",
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": "Mon, 2 Mar 2026 13:15:00 +0400",
        "TextBody": "Բարև Ձեզ,\n\nԿցում եմ հաշիվը։ Խնդրում եմ ստուգել գումարը։\n\nԱնի",
        "HtmlBody": "<p>Բարև Ձեզ,</p><p>Կցում եմ հաշիվը։ Խնդրում եմ ստուգել գումարը։</p>",
        "StrippedTextReply": "",
        "Tag": "",
        "Headers": [
            {"Name": "X-Spam-Checker-Version", "Value": "SpamAssassin 3.3.1"},
            {"Name": "X-Spam-Status", "Value": "No"},
            {"Name": "MIME-Version", "Value": "1.0"},
            {"Name": "Message-ID", "Value": "<CAGXpo2WKfxH=ani@mail.example.org>"},
        ],
        "Attachments": [
            {
                "Name": "հաշիվ-1234.pdf",
                "Content": base64.b64encode(INVOICE).decode(),
                "ContentType": "application/pdf",
                "ContentLength": len(INVOICE),
                "ContentID": "",
            }
        ],
    }
    payload.update(changes)
    return payload


def test_a_postmark_message_in_armenian_keeps_its_text_sender_and_attachment(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    response = provider.post(
        f"/api/v1/inboxes/{inbox}/email/postmark", json=postmark_payload(), headers=basic(SECRET)
    )
    assert response.status_code == 201, response.text
    with fd.read() as session:
        message = session.get_one(Message, response.json()["message_id"])
        ticket = session.get_one(Ticket, message.ticket_id)
        contact = session.get_one(Contact, ticket.contact_id)
        [attachment] = session.scalars(
            select(Attachment).where(Attachment.message_id == message.id)
        )
        assert ticket.subject == "Հաշիվ-ապրանքագիր № 1234"
        assert (
            message.text.strip()
            == "Բարև Ձեզ,\n\nԿցում եմ հաշիվը։ Խնդրում եմ ստուգել գումարը։\n\nԱնի"
        )
        assert message.html is not None and "Կցում եմ հաշիվը" in message.html
        assert message.external_id == "CAGXpo2WKfxH=ani@mail.example.org"
        assert contact.name == "Անի Պետրոսյան"
        assert (attachment.filename, attachment.content_type) == (
            "հաշիվ-1234.pdf",
            "application/pdf",
        )
        assert fd.storage.get(attachment.sha256) == INVOICE


def test_an_html_only_postmark_message_with_plain_address_fields_keeps_text_and_sender(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    payload = postmark_payload(
        FromFull=None,
        ToFull=None,
        To="Աջակցություն <support@example.com>",
        TextBody="",
        HtmlBody="<p>Ո՞ւր է <b>իմ</b> պատվերը։</p>",
        Attachments=[],
    )
    response = provider.post(
        f"/api/v1/inboxes/{inbox}/email/postmark", json=payload, headers=basic(SECRET)
    )
    assert response.status_code == 201, response.text
    with fd.read() as session:
        message = session.get_one(Message, response.json()["message_id"])
        contact = session.get_one(Contact, session.get_one(Ticket, message.ticket_id).contact_id)
        assert message.text.strip() == "Ո՞ւր է իմ պատվերը։"
        assert contact.name == "Անի Պետրոսյան"
        assert [i.address for i in contact.identities] == ["ani.p@example.am"]


def test_a_postmark_reply_threads_by_in_reply_to_and_its_retry_is_a_duplicate(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    url = f"/api/v1/inboxes/{inbox}/email/postmark"
    first = provider.post(url, json=postmark_payload(), headers=basic(SECRET)).json()
    reply = postmark_payload(
        Subject="Re: something else entirely",
        TextBody="Մոռացա ասել՝ պատվերի համարը 1234 է։",
        HtmlBody="",
        MessageID="b7bc2f4a-e38e-4336-af7d-e6c392c2f817",
        Headers=[
            {"Name": "Message-ID", "Value": "<reply-2@mail.example.org>"},
            {"Name": "In-Reply-To", "Value": "<CAGXpo2WKfxH=ani@mail.example.org>"},
        ],
        Attachments=[],
    )
    second = provider.post(url, json=reply, headers={"X-Frontdesk-Inbound-Secret": SECRET})
    retried = provider.post(url, json=reply, headers=basic(SECRET, user="anyone"))
    assert (second.status_code, retried.status_code) == (201, 200)
    assert second.json()["ticket_id"] == first["ticket_id"]
    assert second.json()["reason"] == "references"
    assert retried.json()["outcome"] == "duplicate"


def test_a_postmark_message_without_a_message_id_header_is_known_by_postmarks_id(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    payload = postmark_payload(Headers=[], Attachments=[])
    url = f"/api/v1/inboxes/{inbox}/email/postmark"
    first = provider.post(url, json=payload, headers=basic(SECRET))
    again = provider.post(url, json=payload, headers=basic(SECRET))
    assert (first.status_code, again.status_code) == (201, 200)
    with fd.read() as session:
        message = session.get_one(Message, first.json()["message_id"])
        assert message.external_id == "73e6d360-66eb-11e1-8e72-a8904824019b@inbound.postmarkapp.com"


def test_postmarks_raw_email_is_stored_as_sent_when_included(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    raw = mail(subject="Sent raw", body="The raw original wins.", message_id="<raw-1@x.org>")
    payload = postmark_payload(RawEmail=raw.decode(), TextBody="(ignored)")
    response = provider.post(
        f"/api/v1/inboxes/{inbox}/email/postmark", json=payload, headers=basic(SECRET)
    )
    assert response.status_code == 201
    with fd.read() as session:
        message = session.get_one(Message, response.json()["message_id"])
        assert (message.text.strip(), message.external_id) == (
            "The raw original wins.",
            "raw-1@x.org",
        )


def test_postmark_is_answered_403_for_a_refused_message_so_that_it_does_not_retry(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    payload = postmark_payload(From="", FromName="", FromFull={"Email": "", "Name": ""})
    response = provider.post(
        f"/api/v1/inboxes/{inbox}/email/postmark", json=payload, headers=basic(SECRET)
    )
    assert response.status_code == 403
    assert response.json()["outcome"] == "refused"


def test_a_post_that_is_not_postmark_json_answers_422(
    fd: Frontdesk, inbox: int, provider: ApiClient
) -> None:
    response = provider.post(
        f"/api/v1/inboxes/{inbox}/email/postmark",
        json={"Headers": "not a list"},
        headers=basic(SECRET),
    )
    assert response.status_code == 422
    assert "Headers" in response.json()["detail"]

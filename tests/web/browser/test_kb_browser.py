"""The knowledge base editor in a real browser: an agent writes an Armenian article with a
picture, publishes it, readers find it in the help center, and a customer typing a
request is offered it."""

from __future__ import annotations

from typing import Any

from frontdesk.search.indexer import index_pending
from tests.web.conftest import LiveServer, screenshot
from tests.web.helpers import make_desk, sign_in

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
TITLE = "Ինչպես փոխել առաքման հասցեն"
BODY = "Առաքման հասցեն կարելի է փոխել **մինչև ուղարկելը**։"


def test_an_agent_writes_an_armenian_article_and_readers_find_it(
    live: LiveServer, page_factory: Any, tmp_path: Any
) -> None:
    make_desk(live.fd)
    page = page_factory()
    sign_in(page, live.url, "ana@example.com")
    page.click("nav.mainnav a[href='/kb']")
    page.wait_for_url(f"{live.url}/kb")

    page.fill("#nc-hy", "Առաքում")
    page.click("form[action='/kb/categories'] button[type=submit]")
    page.wait_for_selector("h2 >> text=Առաքում")
    page.fill("#ns-hy", "Հասցեներ")
    page.click("form[action='/kb/sections'] button[type=submit]")
    page.wait_for_selector("h3 >> text=Հասցեներ")

    page.fill("#na-title", TITLE)
    page.select_option("#na-language", "hy")
    page.click("form[action='/kb/articles'] button[type=submit]")
    page.wait_for_url("**/kb/articles/*/translations/hy")
    article_id = int(page.url.split("/")[-3])

    page.fill("#kb-body", BODY)
    page.wait_for_selector("#kb-preview strong >> text=մինչև ուղարկելը")

    picture = tmp_path / "քարտեզ.png"
    picture.write_bytes(PNG)
    page.set_input_files("#kb-file", str(picture))
    page.click("form[data-kb-upload] button[type=submit]")
    page.wait_for_selector("#kb-preview img[src^='/help/files/']")
    assert "![քարտեզ.png](</help/files/" in page.input_value("#kb-body")
    screenshot(page, "kb-editor-desktop")

    page.click("#kb-form button[value=publish]")
    page.wait_for_selector(".flash >> text=Published.")
    page.goto(f"{live.url}/kb")
    assert "Published" in page.inner_text(f"a[href='/kb/articles/{article_id}/translations/hy']")

    reader = page_factory(locale="hy-AM")
    reader.goto(f"{live.url}/help")
    reader.wait_for_url(f"{live.url}/help/hy")
    reader.click(f"a >> text={TITLE}")
    reader.wait_for_selector(f"h1 >> text={TITLE}")
    assert "մինչև ուղարկելը" in reader.inner_text("article strong")
    loaded = reader.eval_on_selector("article img", "img => img.complete && img.naturalWidth")
    assert loaded == 1  # the picture is served to an anonymous reader

    index_pending(live.fd)
    customer = page_factory(locale="hy-AM")
    customer.goto(f"{live.url}/portal")
    customer.fill("#r-subject", "առաքման հասցե")
    link = customer.wait_for_selector(f"#suggestions a >> text={TITLE}")
    assert link.get_attribute("href") == f"/portal/suggestions/{article_id}?lang=hy"
    screenshot(customer, "portal-suggestions")

"""Relevance: for each of the six languages, 20 help articles and 30 queries that use other
forms of their words (plurals, cases, verb forms) or leave the diacritics out. All 120
articles share one index, as in a real help center, and queries name no language.
Recall@5 (the right article among the first five) must be at least 0.9 per language, on
both databases; the figures are printed with the test output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontdesk.domain.actors import SYSTEM
from frontdesk.kb import articles
from frontdesk.runtime import Frontdesk
from frontdesk.search.indexer import index_pending
from frontdesk.search.service import search

DATA = Path(__file__).parent / "relevance"
LANGUAGES = ("en", "hy", "ta", "lv", "el", "sl")
FLOOR = 0.9


def load(fd: Frontdesk) -> dict[tuple[str, str], int]:
    """Publish every article of every language; returns (language, key) → article id."""
    ids: dict[tuple[str, str], int] = {}
    with fd.transaction() as tx:
        category = articles.create_category(tx, SYSTEM, {"en": "Help"})
        section = articles.create_section(tx, SYSTEM, category.id, {"en": "Everything"})
        for language in LANGUAGES:
            for item in json.loads((DATA / f"{language}.json").read_text())["articles"]:
                draft = articles.Draft(item["title"], item["body"])
                article = articles.create_article(
                    tx, SYSTEM, section.id, language, draft, publish=True
                )
                ids[(language, item["id"])] = article.id
    return ids


def test_recall_at_5_is_at_least_0_9_in_every_language(
    fd: Frontdesk, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    ids = load(fd)
    index_pending(fd)
    recalls: dict[str, float] = {}
    misses: list[str] = []
    with fd.read() as session:
        for language in LANGUAGES:
            queries = json.loads((DATA / f"{language}.json").read_text())["queries"]
            assert len(queries) >= 30
            found = 0
            for query in queries:
                hits = search(session, None, query["q"], types=("article",), limit=5)
                if ids[(language, query["article"])] in [h.id for h in hits]:
                    found += 1
                else:
                    misses.append(f"{language}: {query['q']!r} → {[h.title for h in hits]}")
            recalls[language] = found / len(queries)
    backend = database_url.split(":", 1)[0]
    with capsys.disabled():
        figures = "  ".join(f"{lang} {recalls[lang]:.2f}" for lang in LANGUAGES)
        print(f"\nRecall@5 on {backend}: {figures}")
        for miss in misses:
            print(f"  missed {miss}")
    assert all(recalls[lang] >= FLOOR for lang in LANGUAGES), recalls

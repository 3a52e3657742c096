"""Request and response bodies of the knowledge base and search API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.kb import deflection, files
from frontdesk.models import KbArticle, KbCategory, KbFile, KbSection, KbTranslation, KbVersion


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CategoryIn(Input):
    names: dict[str, str] = Field(description='A name per language: {"en": "Orders"}')
    descriptions: dict[str, str] = Field(default_factory=dict)
    position: int = 0


class CategoryPatch(Input):
    names: dict[str, str] | None = None
    descriptions: dict[str, str] | None = None
    position: int | None = None


class SectionIn(Input):
    category_id: int
    names: dict[str, str]
    position: int = 0


class SectionPatch(Input):
    category_id: int | None = None
    names: dict[str, str] | None = None
    position: int | None = None


class TranslationIn(Input):
    title: str = Field(max_length=300)
    body: str = Field(default="", description="Markdown; raw HTML is not rendered")
    slug: str | None = Field(default=None, max_length=200)
    publish: bool = False


class ArticleIn(TranslationIn):
    section_id: int
    language: str = Field(max_length=16)
    visibility: Literal["public", "internal"] = "public"


class ArticlePatch(Input):
    section_id: int | None = None
    visibility: Literal["public", "internal"] | None = None
    position: int | None = None


class SectionOut(BaseModel):
    id: int
    category_id: int
    names: dict[str, str]
    position: int

    @classmethod
    def of(cls, s: KbSection) -> SectionOut:
        return cls(id=s.id, category_id=s.category_id, names=s.names, position=s.position)


class CategoryOut(BaseModel):
    id: int
    names: dict[str, str]
    descriptions: dict[str, str]
    position: int
    sections: list[SectionOut] = []

    @classmethod
    def of(cls, c: KbCategory, sections: list[KbSection] | None = None) -> CategoryOut:
        return cls(
            id=c.id,
            names=c.names,
            descriptions=c.descriptions,
            position=c.position,
            sections=[SectionOut.of(s) for s in sections or []],
        )


class TranslationOut(BaseModel):
    id: int
    language: str
    title: str
    body: str
    slug: str
    status: str
    published_version_id: int | None
    views: int
    helpful_yes: int
    helpful_no: int
    updated_at: datetime

    @classmethod
    def of(cls, t: KbTranslation) -> TranslationOut:
        return cls(
            id=t.id,
            language=t.language,
            title=t.title,
            body=t.body,
            slug=t.slug,
            status=t.status,
            published_version_id=t.published_version_id,
            views=t.views,
            helpful_yes=t.helpful_yes,
            helpful_no=t.helpful_no,
            updated_at=t.updated_at,
        )


class ArticleOut(BaseModel):
    id: int
    section_id: int
    visibility: str
    position: int
    created_at: datetime
    updated_at: datetime
    translations: list[TranslationOut]

    @classmethod
    def of(cls, a: KbArticle) -> ArticleOut:
        return cls(
            id=a.id,
            section_id=a.section_id,
            visibility=a.visibility,
            position=a.position,
            created_at=a.created_at,
            updated_at=a.updated_at,
            translations=[TranslationOut.of(t) for t in a.translations],
        )


class VersionOut(BaseModel):
    id: int
    number: int
    title: str
    body: str
    author_agent_id: int | None
    created_at: datetime
    published_at: datetime | None

    @classmethod
    def of(cls, v: KbVersion) -> VersionOut:
        return cls(
            id=v.id,
            number=v.number,
            title=v.title,
            body=v.body,
            author_agent_id=v.author_agent_id,
            created_at=v.created_at,
            published_at=v.published_at,
        )


class HitOut(BaseModel):
    type: str
    id: int
    title: str
    snippet: str = Field(description="HTML: the text around the match, matches in <mark>")
    language: str | None
    score: float
    message_id: int | None = None
    url: str | None = None
    status: str | None = None


class SearchOut(BaseModel):
    query: str
    items: list[HitOut]


class FileOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    url: str
    markdown: str = Field(description="What to paste into the article: an image or a link")

    @classmethod
    def of(cls, f: KbFile) -> FileOut:
        return cls(
            id=f.id,
            filename=f.filename,
            content_type=f.content_type,
            size=f.size,
            url=files.url_of(f),
            markdown=files.markdown_of(f),
        )


class CountsOut(BaseModel):
    shown: int = Field(description="visits of the request form where suggestions appeared")
    opened: int = Field(description="... where the customer opened a suggested article")
    submitted: int = Field(description="... where the customer still sent the request")
    deflected: int = Field(description="opened a suggestion and sent no request")

    @classmethod
    def of(cls, c: deflection.Counts) -> CountsOut:
        return cls(shown=c.shown, opened=c.opened, submitted=c.submitted, deflected=c.deflected)


class ArticleCountsOut(BaseModel):
    article_id: int
    title: str
    shown: int
    opened: int
    deflected: int


class DeflectionOut(BaseModel):
    since: datetime
    until: datetime
    total: CountsOut
    articles: list[ArticleCountsOut]

    @classmethod
    def of(cls, r: deflection.Report) -> DeflectionOut:
        return cls(
            since=r.since,
            until=r.until,
            total=CountsOut.of(r.total),
            articles=[
                ArticleCountsOut(
                    article_id=a.article_id,
                    title=a.title,
                    shown=a.counts.shown,
                    opened=a.counts.opened,
                    deflected=a.counts.deflected,
                )
                for a in r.articles
            ],
        )

"""Two stores for the analysed terms, with one behaviour.

Both receive the same tokens from frontdesk.search.analysis and the same parsed query;
each turns the query into its own syntax, quoting every token so that nothing a user
typed is read as an operator.

Ranking plan: a word in many documents (56 000 of a million) makes ranking every hit slow,
so each backend ranks only the newest matching documents that pass the filters: SQLite
walks its index newest first and stops at CANDIDATES (1 000); PostgreSQL looks in windows
of the newest documents, widening them until ENOUGH (200) match (see `candidates`). Rare
words are ranked exactly; for common ones the ranking covers the newest hits, which in a
help desk are the ones people look for. On SQLite the ranking is
frontdesk.search.scoring, which needs no pass over every document that has a common word.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol

from sqlalchemy import (
    Column,
    ColumnElement,
    Insert,
    Integer,
    MetaData,
    Select,
    and_,
    bindparam,
    cast,
    column,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import Session

from frontdesk.db.rows import table_of
from frontdesk.models import SearchDocument
from frontdesk.search.analysis import Token
from frontdesk.search.query import Phrase, Prefix, Query, Term, Word
from frontdesk.search.scoring import DF_CAP, Part, scores

CANDIDATES = 1000
# Tokens past this position are not indexed on PostgreSQL (tsvector positions stop there).
MAX_POSITION = 16383


# A document's analysed (title, body).
Analysed = tuple[Sequence[Token], Sequence[Token]]
# What a candidate brings of its document, read with the match: hits are built from it
# without reading the documents again.
DOCUMENT = (
    SearchDocument.id,
    SearchDocument.kind,
    SearchDocument.ref_id,
    SearchDocument.ticket_id,
    SearchDocument.article_id,
    SearchDocument.language,
)
Candidate = tuple[tuple[Any, ...], float]


def _insert_documents(
    session: Session, statement: Insert, documents: Sequence[dict[str, Any]]
) -> list[int]:
    if not documents:
        return []
    rows = session.execute(
        statement.returning(literal_column("id", Integer), sort_by_parameter_order=True),
        list(documents),
    )
    return [row[0] for row in rows]


@dataclass(frozen=True)
class Terms:
    """A document's analysed text: its title and its body."""

    doc_id: int
    title: Sequence[Token]
    body: Sequence[Token]


class Backend(Protocol):
    def insert(
        self, session: Session, documents: Sequence[dict[str, Any]], terms: Sequence[Analysed]
    ) -> list[int]:
        """Insert new documents (search_documents columns) with their terms; their ids."""
        ...

    def write(self, session: Session, rows: Sequence[Terms]) -> None:
        """The terms of documents already there."""
        ...

    def delete(self, session: Session, doc_ids: Sequence[int]) -> None: ...
    def clear(self, session: Session) -> None: ...
    def candidates(
        self, session: Session, query: Query, where: Sequence[ColumnElement[bool]], joins: Joins
    ) -> list[Candidate]:
        """The newest matching documents (their DOCUMENT columns) with their scores; higher
        is better."""
        ...


class Joins(Protocol):
    def __call__(self, statement: Select[Any]) -> Select[Any]: ...


def backend_for(session: Session) -> Backend:
    return SQLITE if session.get_bind().dialect.name == "sqlite" else POSTGRES


# ------------------------------------------------------------------------------ SQLite


def _fts_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


class SqliteFts5:
    """An FTS5 table: title words, title stems, body words, body stems. Ranked by
    frontdesk.search.scoring, not FTS5's bm25() (see there why)."""

    def insert(
        self, session: Session, documents: Sequence[dict[str, Any]], terms: Sequence[Analysed]
    ) -> list[int]:
        ids = _insert_documents(session, insert(SearchDocument), documents)
        self.write(session, [Terms(i, *t) for i, t in zip(ids, terms, strict=True)])
        return ids

    def write(self, session: Session, rows: Sequence[Terms]) -> None:
        if not rows:
            return
        self.delete(session, [r.doc_id for r in rows])
        session.execute(
            text(
                "INSERT INTO search_fts(rowid, title_words, title_stems, words, stems) "
                "VALUES (:id, :tw, :ts, :w, :s)"
            ),
            [
                {
                    "id": r.doc_id,
                    "tw": " ".join(t.word for t in r.title),
                    "ts": " ".join(t.stem for t in r.title),
                    "w": " ".join(t.word for t in r.body),
                    "s": " ".join(t.stem for t in r.body),
                }
                for r in rows
            ],
        )

    def delete(self, session: Session, doc_ids: Sequence[int]) -> None:
        if doc_ids:
            session.execute(
                text("DELETE FROM search_fts WHERE rowid IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": list(doc_ids)},
            )

    def clear(self, session: Session) -> None:
        session.execute(text("DELETE FROM search_fts"))

    def candidates(
        self, session: Session, query: Query, where: Sequence[ColumnElement[bool]], joins: Joins
    ) -> list[Candidate]:
        parts = [self._part(session, term) for term in query.terms]
        fts = FTS_TABLE.c
        statement: Select[Any] = (
            select(
                *DOCUMENT,
                *(func.substr(fts[name], 1, TEXT_READ) for name in FTS_COLUMNS),
            )
            .select_from(FTS_TABLE)
            .join(SearchDocument, SearchDocument.id == fts.rowid)
        )
        statement = (
            joins(statement)
            .where(
                text("search_fts MATCH :match").bindparams(match=self.match(query, parts)),
                *where,
            )
            .order_by(fts.rowid.desc())
            .limit(CANDIDATES)
        )
        rows = [tuple(row) for row in session.connection().execute(statement).all()]
        if not rows:
            return []
        documents = session.scalar(select(func.max(SearchDocument.id))) or 0
        width = len(DOCUMENT)
        ranks = scores([row[width:] for row in rows], parts, documents)
        return [(row[:width], rank) for row, rank in zip(rows, ranks, strict=True)]

    def match(self, query: Query, parts: Sequence[Part] | None = None) -> str:
        """The MATCH expression; with `parts`, each word takes its prefix only where
        that part says so."""
        prefixed = [p.with_prefix for p in parts] if parts else [True] * len(query.terms)
        positive = (" OR " if query.match_any else " AND ").join(
            self._term(t, with_prefix=p) for t, p in zip(query.terms, prefixed, strict=True)
        )
        if query.excluded:
            negative = " OR ".join(self._term(t, with_prefix=True) for t in query.excluded)
            return f"({positive}) NOT ({negative})"
        return positive

    def _part(self, session: Session, term: Term) -> Part:
        """A word found by its stems in many documents is known well enough: its prefix
        alternative (for endings the stemmer misses) would only add the cost of merging
        every word that starts alike, tens of milliseconds for a common one."""
        if isinstance(term, Word) and term.prefix:
            found = self._df(session, self._term(term, with_prefix=False))
            if found >= CANDIDATES:
                return Part(term, False, found)
            return Part(term, True, self._df(session, self._term(term, with_prefix=True)))
        return Part(term, False, self._df(session, self._term(term, with_prefix=False)))

    def _df(self, session: Session, match: str) -> int:
        return int(session.execute(_DF, {"match": match, "cap": DF_CAP}).scalar_one())

    def _term(self, term: Term, *, with_prefix: bool) -> str:
        if isinstance(term, Word):
            stems = " OR ".join(_fts_string(s) for s in term.stems)
            found = f"{{title_stems stems}} : ({stems})"
            if term.prefix and with_prefix:
                found += f" OR {{title_words words}} : {_fts_string(term.prefix)} *"
            return f"({found})"
        if isinstance(term, Phrase):
            return "{title_words words} : " + _fts_string(" ".join(term.words))
        return f"{{title_words words}} : {_fts_string(term.prefix)} *"


FTS_COLUMNS = ("title_words", "title_stems", "words", "stems")
# Ranking reads this much of each column: enough for any message a person wrote.
TEXT_READ = 20_000
FTS_TABLE = table("search_fts", column("rowid", Integer), *(column(c) for c in FTS_COLUMNS))
_DF = text(
    "SELECT count(*) FROM (SELECT rowid FROM search_fts WHERE search_fts MATCH :match LIMIT :cap)"
)


# -------------------------------------------------------------------------- PostgreSQL


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


# Words and stems share one tsvector; words carry this mark so that the two never meet.
WORD_MARK = "="
# Each pair of neighbouring words is a lexeme too ("~tent is" at the position of "tent"),
# so that a phrase is found through the index, not by re-reading every document that has
# its words somewhere: `"a b c"` is `'~a b' <-> '~b c'`, exactly the same documents.
PAIR_MARK = "~"
# A tsvector holds at most 1 MB of lexemes; a huge text whose pairs do not all fit in
# this much carries INCOMPLETE instead of the rest, and phrases are then checked word by
# word in it.
LEXEME_BYTES = 900_000
INCOMPLETE = "~"
# PostgreSQL looks among the newest documents first: the newest WINDOWS[0], then WINDOWS[1] …
# then all, and ranks what it found as soon as that is at least ENOUGH.
WINDOWS = (20_000, 80_000, 320_000)
ENOUGH = 200


class PostgresFullText:
    """A tsvector column (`terms`) with a GIN index. Lexemes are written as they are, with
    no parser or dictionary of PostgreSQL in between: analysis is ours."""

    def __init__(self) -> None:
        self._common: dict[str, tuple[float, frozenset[str]]] = {}

    def tsvector(self, row: Terms) -> str:
        positions: dict[str, list[str]] = defaultdict(list)
        pairs: list[tuple[str, str]] = []
        position = 0
        for weight, tokens in (("A", row.title), ("D", row.body)):
            for index, token in enumerate(tokens):
                position += 1
                if position > MAX_POSITION:
                    break
                mark = f"{position}{weight}"
                positions[WORD_MARK + token.word].append(mark)
                positions[token.stem].append(mark)
                if index + 1 < len(tokens) and position < MAX_POSITION:
                    pairs.append((f"{PAIR_MARK}{token.word} {tokens[index + 1].word}", mark))
            position += 1  # a phrase never runs from the title into the body
        # Words and stems first: they must all fit; pairs take what room is left.
        room = LEXEME_BYTES - sum(len(lexeme.encode()) for lexeme in positions)
        for pair, mark in pairs:
            if pair not in positions:
                room -= len(pair.encode())
                if room < 0:
                    positions[INCOMPLETE] = ["1"]
                    break
            positions[pair].append(mark)
        return " ".join(f"{_lexeme(lex)}:{','.join(p)}" for lex, p in positions.items())

    def insert(
        self, session: Session, documents: Sequence[dict[str, Any]], terms: Sequence[Analysed]
    ) -> list[int]:
        # In the same INSERT: an UPDATE after it would leave a dead version of every row
        # (and of its index entries) for VACUUM, doubling the table after a bulk index.
        rows = [
            {**document, "lexemes": self.tsvector(Terms(0, *analysed))}
            for document, analysed in zip(documents, terms, strict=True)
        ]
        return _insert_documents(session, _INSERT_WITH_TERMS, rows)

    def write(self, session: Session, rows: Sequence[Terms]) -> None:
        if rows:
            session.execute(
                text("UPDATE search_documents SET terms = CAST(:v AS tsvector) WHERE id = :id"),
                [{"id": r.doc_id, "v": self.tsvector(r)} for r in rows],
            )

    def delete(self, session: Session, doc_ids: Sequence[int]) -> None:
        return None  # the terms go with their row

    def clear(self, session: Session) -> None:
        session.execute(text("UPDATE search_documents SET terms = NULL"))

    def tsquery(
        self, query: Query, *, common: frozenset[str] = frozenset(), whole: bool = False
    ) -> str:
        """The query as a tsquery. Phrases are word pairs, or with `whole`, whole words
        (for the documents too big for all their pairs). A word one of whose stems is in
        `common` is looked for without its prefix alternative (see `common_lexemes`)."""
        terms = [self._term(t, common, whole) for t in query.terms]
        positive = (" | " if query.match_any else " & ").join(terms)
        if query.excluded:
            negative = " | ".join(self._term(t, frozenset(), whole) for t in query.excluded)
            return f"({positive}) & !({negative})"
        return positive

    def _term(self, term: Term, common: frozenset[str], whole: bool) -> str:
        if isinstance(term, Word):
            options = [_lexeme(s) for s in term.stems]
            if term.prefix and common.isdisjoint(term.stems):
                options.append(_lexeme(WORD_MARK + term.prefix) + ":*")
            return "(" + " | ".join(options) + ")"
        if isinstance(term, Phrase):
            if len(term.words) == 1 or whole:
                return "(" + " <-> ".join(_lexeme(WORD_MARK + w) for w in term.words) + ")"
            pairs = pairwise(term.words)
            return "(" + " <-> ".join(_lexeme(f"{PAIR_MARK}{a} {b}") for a, b in pairs) + ")"
        assert isinstance(term, Prefix)
        return _lexeme(WORD_MARK + term.prefix) + ":*"

    def common_lexemes(self, session: Session) -> frozenset[str]:
        """Lexemes in more than about 0.2 % of the documents, as the planner's statistics
        know them (ANALYZE keeps the 1 000 most common lexemes of a tsvector column).

        A word that common is known well enough by its stems. Its prefix alternative (for
        endings the stemmer misses) would make the GIN index merge every word that starts
        alike, 145 000 documents for the family of a common Latvian word: 120 ms, where
        the stems alone take 4. Read once a minute per database."""
        key = str(session.get_bind().engine.url)
        read_at, known = self._common.get(key, (-COMMON_SECONDS, frozenset()))
        if time.monotonic() - read_at >= COMMON_SECONDS:
            elements = session.scalar(_COMMON_LEXEMES)
            known = frozenset(elements or ())
            self._common[key] = (time.monotonic(), known)
        return known

    def candidates(
        self, session: Session, query: Query, where: Sequence[ColumnElement[bool]], joins: Joins
    ) -> list[Candidate]:
        terms = literal_column("search_documents.terms", TSVECTOR)
        common = self.common_lexemes(session)
        tsquery = cast(bindparam("tsquery", self.tsquery(query, common=common)), TSQUERY)
        matches: ColumnElement[bool] = terms.op("@@")(tsquery)
        if any(isinstance(t, Phrase) and len(t.words) > 1 for t in query.terms + query.excluded):
            # The rare documents too big for all their pairs, found by their INCOMPLETE
            # mark (a short list in the index), are checked word by word.
            by_words = self.tsquery(query, common=common, whole=True)
            whole = cast(bindparam("whole", by_words), TSQUERY)
            incomplete = cast(literal(_lexeme(INCOMPLETE)), TSQUERY)
            matches = or_(matches, and_(terms.op("@@")(incomplete), terms.op("@@")(whole)))
        statement: Select[Any] = joins(select(*DOCUMENT, func.ts_rank(terms, tsquery, 1)))
        statement = (
            statement.where(matches, *where)
            .order_by((SearchDocument.id + 0).desc())
            .limit(CANDIDATES)
        )
        # The GIN index gives every matching row at once, in no order, and each must then
        # be read from the table (about 10 µs a row here): for a word in 50 000 documents
        # that is half a second. Walking the primary key newest first instead reads every
        # row until enough match: as slow for a word in a few thousand. So look among the
        # newest documents first: a BRIN index on id gives `id > n` for a few index pages,
        # and only rows that match and are recent are read. `id + 0` keeps the planner off
        # the primary-key walk, whose cost it cannot judge when its estimate is off.
        newest = session.scalar(select(func.max(SearchDocument.id))) or 0
        for window in WINDOWS:
            if newest <= window:
                break
            found = _scored(session, statement.where(SearchDocument.id > newest - window))
            if len(found) >= ENOUGH:
                return found
        return _scored(session, statement)


def _scored(session: Session, statement: Select[Any]) -> list[Candidate]:
    """Rows of DOCUMENT columns and a score, as candidates. Read through the connection:
    for a thousand rows, the ORM's result handling cost more than PostgreSQL's answer."""
    rows = session.connection().execute(statement).all()
    return [(tuple(row[:-1]), float(row[-1])) for row in rows]


COMMON_SECONDS = 60.0
_COMMON_LEXEMES = text(
    "SELECT most_common_elems::text::text[] FROM pg_stats "
    "WHERE schemaname = current_schema() AND tablename = 'search_documents' "
    "AND attname = 'terms'"
)


# search_documents as the migration made it on PostgreSQL: with the tsvector column that
# the model does not declare (SQLite has no such column).
_WITH_TERMS = table_of(SearchDocument).to_metadata(MetaData())
_WITH_TERMS.append_column(Column("terms", TSVECTOR))
_INSERT_WITH_TERMS = insert(_WITH_TERMS).values(terms=cast(bindparam("lexemes"), TSVECTOR))

SQLITE = SqliteFts5()
POSTGRES = PostgresFullText()

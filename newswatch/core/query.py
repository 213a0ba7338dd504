"""The query language of `newswatch search` and of alert rules, compiled to an FTS5 MATCH expression.

Terms are AND-ed; "quoted phrases" match adjacent words; OR; NOT term or -term; parentheses; AND/OR/NOT in any
case. User text never reaches FTS5 syntax: every term is re-tokenised and emitted as a quoted phrase of tokens.
It sits in the ground layer because the config loader checks rule queries with it and the store runs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newswatch.core.errors import NewswatchError
from newswatch.core.tokens import is_single_cjk, tokens


class QueryError(NewswatchError, ValueError):
    """A query that cannot be run, with what is wrong in words."""

    label = "bad query"


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class And:
    children: tuple = ()


@dataclass(frozen=True)
class Or:
    children: tuple = ()


_LEX = re.compile(r'\s*(?:(?P<lp>\()|(?P<rp>\))|"(?P<phrase>[^"]*)"?|(?P<word>[^\s()"]+))')


def _lex(query: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(query):
        m = _LEX.match(query, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        if m["lp"]:
            out.append(("(", "("))
        elif m["rp"]:
            out.append((")", ")"))
        elif m["phrase"] is not None:
            out.append(("phrase", m["phrase"]))
        elif m["word"]:
            word = m["word"]
            upper = word.upper()
            if upper in ("AND", "OR", "NOT"):
                out.append((upper, word))
            elif word.startswith("-") and len(word) > 1:
                out.append(("NOT", "-"))
                out.append(("word", word[1:]))
            else:
                out.append(("word", word))
    return out


MAX_DEPTH = 40  # nested parentheses and NOTs; deeper is a mistake or an attack, not a query


class _Parser:
    def __init__(self, query: str) -> None:
        self.items = _lex(query)
        self.i = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.items[self.i][0] if self.i < len(self.items) else None

    def take(self) -> tuple[str, str]:
        item = self.items[self.i]
        self.i += 1
        return item

    def parse(self) -> object:
        if not self.items:
            raise QueryError("the query is empty")
        node = self.or_expr()
        if self.peek() is not None:
            raise QueryError(f"unexpected {self.items[self.i][1]!r} (an unmatched closing parenthesis?)")
        return node

    def or_expr(self) -> object:
        children = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> object:
        children = [self.unary()]
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
            children.append(self.unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self) -> object:
        kind = self.peek()
        if kind in ("NOT", "("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError(f"the query nests parentheses or NOTs more than {MAX_DEPTH} deep")
            try:
                return self._nested(kind)
            finally:
                self.depth -= 1
        if kind in ("word", "phrase"):
            k, text = self.take()
            return Term(text, phrase=k == "phrase")
        if kind is None:
            raise QueryError("the query ends where a term was expected")
        raise QueryError(f"{self.items[self.i][1]!r} where a term was expected")

    def _nested(self, kind: str) -> object:
        self.take()
        if kind == "NOT":
            return Not(self.unary())
        node = self.or_expr()
        if self.peek() != ")":
            raise QueryError("a parenthesis is not closed")
        self.take()
        return node


def parse(query: str) -> object:
    """The query's tree; QueryError in words for anything that is not a query."""
    return _Parser(query).parse()


@dataclass
class Compiled:
    match: str
    terms: list[str] = field(default_factory=list)  # positive terms, for highlighting


def _term(node: Term, terms: list[str]) -> str | None:
    toks = tokens(node.text)
    if not toks:
        return None
    terms.append(node.text)
    # A trailing one-syllable run ("시", "120곳") is indexed only inside bigrams: match it as a prefix.
    prefix = " *" if is_single_cjk(toks[-1]) else ""
    return '"' + " ".join(toks) + '"' + prefix


def _compile(node: object, terms: list[str]) -> str | None:
    if isinstance(node, Term):
        return _term(node, terms)
    if isinstance(node, Not):
        raise QueryError("NOT needs a term to subtract from (e.g. 광주 NOT 경기)")
    if isinstance(node, Or):
        parts = [p for p in (_compile(c, terms) for c in node.children) if p]
        return " OR ".join(f"({p})" for p in parts) if parts else None
    assert isinstance(node, And)
    positives = [c for c in node.children if not isinstance(c, Not)]
    negatives = [c.child for c in node.children if isinstance(c, Not)]
    if not positives:
        raise QueryError("a query needs at least one term that is not negated")
    pos = [p for p in (_compile(c, terms) for c in positives) if p]
    if not pos:
        return None
    neg = [n for n in (_compile(c, []) for c in negatives) if n]
    return " AND ".join(f"({p})" for p in pos) + "".join(f" NOT ({n})" for n in neg)


def compile_query(query: str) -> Compiled:
    node = parse(query)
    if isinstance(node, Not):
        node = And((node,))
    terms: list[str] = []
    match = _compile(node, terms)
    if not match:
        raise QueryError("the query has no searchable characters")
    return Compiled(match, terms)

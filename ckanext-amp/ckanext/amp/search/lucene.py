"""Parsers for the Solr query syntaxes CKAN sends, producing :mod:`query_ast` trees.

CKAN builds Solr parameters (``q``, ``fq``, ``defType``, ``q.op``, ``mm``,
``bf``...); this module turns their text into the shared syntax tree that
:mod:`ckanext.amp.search.compiler` compiles to SQL. It is pure Python: no
CKAN, no database, no global mutable state.

Public API
----------
* :func:`parse_lucene`: Solr's standard ("lucene") query parser syntax.
* :func:`parse_dismax`: the ``dismax`` ``q`` syntax (words, phrases, ``+``/``-``).
* :func:`parse_edismax`: full Lucene syntax, ``mm`` on the top level, and a
  dismax fallback when the text is not valid Lucene syntax.
* :func:`minimum_should_match`, :func:`apply_minimum_should_match`: Solr's ``mm``.
* :func:`parse_function`: Solr function queries (``bf``, ``{!frange}``).
* :func:`parse_filter`: one ``fq`` entry, with ``{!frange}`` / ``{!lucene}``
  local parameters.

Every syntax problem raises :class:`QuerySyntaxError` (from ``query_ast``)
with an English msgid template and 0-based character ``position`` parameters;
limits against hostile input raise :class:`QueryTooComplexError`, its
subclass. No other exception escapes for any input text.

Lucene syntax: where we differ from the classic Lucene QueryParser
--------------------------------------------------------------------
The tokenizer and the grammar follow Lucene's ``QueryParser.jj`` (longest
token wins, ``AND``/``OR``/``NOT`` only as whole words, ``&&`` and ``||``,
a bare ``+``/``-``/``!`` followed by whitespace is a term of its own, ...)
and ``QueryParserBase.addClause`` for the occur of every clause. Deliberate
differences, because our AST or engine cannot express the Lucene behaviour:

* ``/`` is an ordinary term character: regular expressions (``/ab+c/``) are
  not supported, ``/ab+c/`` is the plain term ``/ab+c/``.
* Fuzzy queries (``foo~``, ``foo~2``) become plain :class:`Term` s; the
  fuzziness is dropped.
* A backslash escapes any one character; ``\\uXXXX`` is not a Unicode escape
  (it is the letter ``u`` followed by ``XXXX``).
* Any Unicode whitespace separates tokens (Lucene: space, tab, CR, LF, U+3000).
* Field names are letters, digits, ``_``, ``.``, ``-`` and escaped characters;
  ``*`` as a field name is only allowed in ``*:*``.
* A range needs a field (``Range.field`` is not optional): a bare
  ``[a TO b]`` outside a fielded group is a syntax error.
* A wildcard pattern keeps ``*``/``?`` as wildcards and every other
  character literal (see :class:`Wildcard`), so it cannot hold a literal
  ``*`` or ``?``: ``foo\\**`` is a syntax error (``foo\\*`` alone is the
  :class:`Term` ``foo*``).
* Boosts are kept on terms, phrases and wildcards only; boosts on groups,
  ranges, ``field:*`` and ``*:*`` are accepted and ignored.
* A bare ``*`` without a field is ``Wildcard(None, "*")`` ("the default
  field has a value", as in Lucene), not :class:`MatchAll`.
* A group or query made of a single SHOULD or MUST clause is that clause
  itself; a single MUST_NOT clause stays a :class:`Boolean` (``-a`` means
  "everything but a", see :class:`Boolean`).
"""
from __future__ import annotations

import dataclasses
import enum
import math
import re
from dataclasses import dataclass
from typing import Optional, cast

from .query_ast import (Boolean, Call, Clause, Exists, FieldValue, Function, FunctionRange,
                        MatchAll, Number, Occur, Phrase, Query, QuerySyntaxError, Range, Term,
                        Wildcard)

__all__ = [
    "MAX_CLAUSES",
    "MAX_DEPTH",
    "QueryTooComplexError",
    "apply_minimum_should_match",
    "minimum_should_match",
    "parse_dismax",
    "parse_edismax",
    "parse_filter",
    "parse_function",
    "parse_lucene",
]

#: Deepest nesting of parenthesised groups (or function calls) accepted.
MAX_DEPTH = 64
#: Most clauses (or function nodes) accepted in one query, all levels counted.
MAX_CLAUSES = 1024


class QueryTooComplexError(QuerySyntaxError):
    """A query over :data:`MAX_DEPTH` or :data:`MAX_CLAUSES`.

    A subclass so that :func:`parse_edismax` can tell "too big" (re-raised)
    from "not Lucene syntax" (retried as dismax).
    """


def _too_many_clauses() -> QueryTooComplexError:
    return QueryTooComplexError("Query is too complex: more than {limit} clauses",
                                limit=MAX_CLAUSES)


def _too_deep() -> QueryTooComplexError:
    return QueryTooComplexError("Query is too complex: more than {limit} nested groups",
                                limit=MAX_DEPTH)


def _check_default_operator(default_operator: Occur) -> None:
    if default_operator is Occur.MUST_NOT:
        # A programming error of the caller, not a problem of the query text.
        raise ValueError("default_operator must be Occur.SHOULD or Occur.MUST")


# ---------------------------------------------------------------------------
# Lucene tokenizer
# ---------------------------------------------------------------------------
class _Kind(enum.Enum):
    AND = "AND"
    OR = "OR"
    NOT = "NOT"
    PLUS = "+"
    MINUS = "-"
    BAREOPER = "bare operator"  # "+", "-" or "!" followed by whitespace: a term
    LPAREN = "("
    RPAREN = ")"
    COLON = ":"
    STAR = "*"
    TERM = "term"
    WILD = "wildcard term"
    QUOTED = "phrase"
    FUZZY = "~"
    BOOST = "^"
    RANGE_START = "range start"
    RANGE_WORD = "range bound"
    RANGE_QUOTED = "quoted range bound"
    RANGE_TO = "TO"
    RANGE_END = "range end"
    ERROR = "error"  # a lexical error, raised when the parser reaches it
    EOF = "end"


@dataclass(frozen=True)
class _Token:
    kind: _Kind
    text: str  # the source text, for error messages (and raw terms, escapes kept)
    pos: int
    value: object = None


# Characters that cannot start a term (besides whitespace). Lucene also lists
# "/" (regular expressions), which we treat as a plain character.
_NOT_TERM_START = frozenset('+-!():^[]"{}~*?\\')
_BOOST_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_SLOP_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_KEYWORDS = {"AND": _Kind.AND, "&&": _Kind.AND, "OR": _Kind.OR, "||": _Kind.OR, "NOT": _Kind.NOT}


def _is_term_start(char: str) -> bool:
    return not char.isspace() and char not in _NOT_TERM_START


def _is_term_char(char: str) -> bool:
    # "foo-bar" and "c++" are single terms: +/- only cannot *start* a term.
    return _is_term_start(char) or char in "+-"


def _unescape(raw: str) -> str:
    """Drop the backslash of every escape (the tokenizer rejects a trailing one)."""
    if "\\" not in raw:
        return raw
    out = []
    index = 0
    while index < len(raw):
        if raw[index] == "\\" and index + 1 < len(raw):
            index += 1
        out.append(raw[index])
        index += 1
    return "".join(out)


def _error_token(pos: int, msgid: str, **params: object) -> _Token:
    return _Token(_Kind.ERROR, "", pos, (msgid, params))


class _Lexer:
    """Lucene's lexical states (DEFAULT, Boost, Range) over ``text[start:]``.

    Tokenizes everything up front but never raises: a lexical error becomes
    an ERROR token (and ends the stream), raised by the parser when it gets
    there, so that errors are reported in text order.
    """

    def __init__(self, text: str, start: int) -> None:
        self.text = text
        self.pos = start
        self.tokens: list[_Token] = []

    def run(self) -> list[_Token]:
        text = self.text
        while True:
            while self.pos < len(text) and text[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(text):
                break
            if not self._token():
                break
        self.tokens.append(_Token(_Kind.EOF, "", len(text)))
        return self.tokens

    def _add(self, kind: _Kind, end: int, value: object = None) -> None:
        self.tokens.append(_Token(kind, self.text[self.pos:end], self.pos, value))
        self.pos = end

    def _fail(self, pos: int, msgid: str, **params: object) -> bool:
        self.tokens.append(_error_token(pos, msgid, **params))
        return False

    def _token(self) -> bool:
        """Read one token at ``self.pos``; False after a lexical error."""
        text, pos = self.text, self.pos
        char = text[pos]
        following = text[pos + 1] if pos + 1 < len(text) else ""
        if char in "+-!":
            if following.isspace():
                self._add(_Kind.BAREOPER, pos + 1)
            else:
                self._add({"+": _Kind.PLUS, "-": _Kind.MINUS, "!": _Kind.NOT}[char], pos + 1)
        elif char in "():":
            self._add({"(": _Kind.LPAREN, ")": _Kind.RPAREN, ":": _Kind.COLON}[char], pos + 1)
        elif char == "^":
            match = _BOOST_RE.match(text, pos + 1)
            if match is None:
                return self._fail(pos, "Missing number after '^' at position {position}",
                                  position=pos)
            self._add(_Kind.BOOST, match.end(), float(match.group()))
        elif char == '"':
            end = self._quoted_end(pos)
            if end < 0:
                return self._fail(pos, "Unterminated quoted phrase starting at position {position}",
                                  position=pos)
            self._add(_Kind.QUOTED, end, _unescape(text[pos + 1:end - 1]))
        elif char == "~":
            end = self._word_end(pos + 1, wildcards=False)
            if end < 0:
                return False
            self._add(_Kind.FUZZY, end, text[pos + 1:end])
        elif char in "[{":
            return self._range()
        elif char in "]}":
            return self._fail(pos, "Unexpected '{token}' at position {position}",
                              token=char, position=pos)
        else:  # a term start, "\\", "*" or "?"
            end = self._word_end(pos, wildcards=True)
            if end < 0:
                return False
            self._word(end)
        return True

    def _quoted_end(self, start: int) -> int:
        """End (after the closing quote) of the quoted text at ``start``, or -1."""
        text = self.text
        index = start + 1
        while index < len(text):
            if text[index] == "\\":
                index += 2
            elif text[index] == '"':
                return index + 1
            else:
                index += 1
        return -1

    def _word_end(self, start: int, wildcards: bool) -> int:
        """End of the run of term characters at ``start``; -1 (and an ERROR) on a
        trailing backslash."""
        text = self.text
        index = start
        while index < len(text):
            char = text[index]
            if char == "\\":
                if index + 1 >= len(text):
                    self._fail(index, "Incomplete escape sequence at position {position}",
                               position=index)
                    return -1
                index += 2
            elif _is_term_char(char) or (wildcards and char in "*?"):
                index += 1
            else:
                break
        return index

    def _word(self, end: int) -> None:
        raw = self.text[self.pos:end]
        if raw in _KEYWORDS:
            self._add(_KEYWORDS[raw], end)
        elif raw == "*":
            self._add(_Kind.STAR, end)
        elif _has_unescaped_wildcard(raw):
            self._add(_Kind.WILD, end, _unescape(raw))
        else:
            self._add(_Kind.TERM, end, _unescape(raw))

    def _range(self) -> bool:
        """The Range lexical state, from "[" or "{" to "]" or "}"."""
        text = self.text
        start = self.pos
        self._add(_Kind.RANGE_START, start + 1, text[start] == "[")
        while True:
            while self.pos < len(text) and text[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(text):
                return self._fail(start, "Unterminated range query starting at position {position}",
                                  position=start)
            char = text[self.pos]
            if char in "]}":
                self._add(_Kind.RANGE_END, self.pos + 1, char == "]")
                return True
            if char == '"':
                end = self._quoted_end(self.pos)
                if end < 0:
                    return self._fail(self.pos,
                                      "Unterminated quoted phrase starting at position {position}",
                                      position=self.pos)
                self._add(_Kind.RANGE_QUOTED, end, _unescape(text[self.pos + 1:end - 1]))
                continue
            # Lucene's RANGE_GOOP: anything up to whitespace, "]" or "}", so that
            # dates such as 2020-01-01T00:00:00Z or NOW-1DAY need no quoting.
            # Unlike Lucene we honour backslash escapes ("\]" stays in the bound).
            end = self.pos
            while end < len(text) and not text[end].isspace() and text[end] not in "]}":
                if text[end] == "\\":
                    if end + 1 >= len(text):
                        return self._fail(end, "Incomplete escape sequence at position {position}",
                                          position=end)
                    end += 1
                end += 1
            raw = text[self.pos:end]
            if raw == "TO":
                self._add(_Kind.RANGE_TO, end)
            else:
                self._add(_Kind.RANGE_WORD, end, _unescape(raw))


def _has_unescaped_wildcard(raw: str) -> bool:
    index = 0
    while index < len(raw):
        if raw[index] == "\\":
            index += 2
            continue
        if raw[index] in "*?":
            return True
        index += 1
    return False


def _has_escaped_wildcard(raw: str) -> bool:
    index = 0
    while index < len(raw):
        if raw[index] == "\\":
            if raw[index + 1:index + 2] in ("*", "?"):
                return True
            index += 2
            continue
        index += 1
    return False


def _is_field_name(raw: str) -> bool:
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\":
            index += 2
            continue
        if not (char.isalnum() or char in "_.-"):
            return False
        index += 1
    return True


# ---------------------------------------------------------------------------
# Lucene parser
# ---------------------------------------------------------------------------
class _LuceneParser:
    """Recursive descent over Lucene's grammar (Query / Clause / Term)."""

    def __init__(self, text: str, start: int, default_operator: Occur,
                 default_field: Optional[str]) -> None:
        _check_default_operator(default_operator)
        self._tokens = _Lexer(text, start).run()
        self._index = 0
        self._default_operator = default_operator
        self._default_field = default_field
        self._clause_count = 0
        #: Whether AND/OR joined clauses at the top level (edismax ignores mm then).
        self.top_level_conjunction = False

    # -- token access ---------------------------------------------------------
    def _peek(self, ahead: int = 0) -> _Token:
        token = self._tokens[min(self._index + ahead, len(self._tokens) - 1)]
        if token.kind is _Kind.ERROR:
            msgid, params = cast("tuple[str, dict[str, object]]", token.value)
            raise QuerySyntaxError(msgid, **params)
        return token

    def _next(self) -> _Token:
        token = self._peek()
        self._index += 1
        return token

    @staticmethod
    def _unexpected(token: _Token) -> QuerySyntaxError:
        return QuerySyntaxError("Unexpected '{token}' at position {position}",
                                token=token.text, position=token.pos)

    # -- grammar --------------------------------------------------------------
    def parse(self) -> Query:
        if self._peek().kind is _Kind.EOF:
            return MatchAll()
        query = self._query(self._default_field, 0, None)
        token = self._peek()
        if token.kind is _Kind.RPAREN:
            raise QuerySyntaxError("Unbalanced parenthesis at position {position}",
                                   position=token.pos)
        return query

    def _query(self, field: Optional[str], depth: int, group_start: Optional[int]) -> Query:
        """Clauses up to ")" or the end: Modifiers Clause (Conjunction Modifiers Clause)*."""
        clauses: list[Clause] = []
        conjunction: Optional[_Token] = None
        while True:
            modifier: Optional[_Token] = None
            if self._peek().kind in (_Kind.PLUS, _Kind.MINUS, _Kind.NOT):
                modifier = self._next()
            query = self._clause(field, depth, modifier or conjunction, group_start, not clauses)
            self._add_clause(clauses, conjunction, modifier, query)
            token = self._peek()
            if token.kind in (_Kind.EOF, _Kind.RPAREN):
                break
            if token.kind in (_Kind.AND, _Kind.OR):
                conjunction = self._next()
                if depth == 0:
                    self.top_level_conjunction = True
            else:
                conjunction = None
        if len(clauses) == 1 and clauses[0].occur is not Occur.MUST_NOT:
            return clauses[0].query
        return Boolean(tuple(clauses))

    def _add_clause(self, clauses: list[Clause], conjunction: Optional[_Token],
                    modifier: Optional[_Token], query: Query) -> None:
        """Lucene's QueryParserBase.addClause, to the letter."""
        self._clause_count += 1
        if self._clause_count > MAX_CLAUSES:
            raise _too_many_clauses()
        conj = conjunction.kind if conjunction is not None else None
        if clauses and clauses[-1].occur is not Occur.MUST_NOT:
            # "a AND b" makes a required; with default AND, "a OR b" makes a optional.
            if conj is _Kind.AND:
                clauses[-1] = Clause(Occur.MUST, clauses[-1].query)
            elif conj is _Kind.OR and self._default_operator is Occur.MUST:
                clauses[-1] = Clause(Occur.SHOULD, clauses[-1].query)
        mod = modifier.kind if modifier is not None else None
        prohibited = mod in (_Kind.MINUS, _Kind.NOT)
        if self._default_operator is Occur.SHOULD:
            required = mod is _Kind.PLUS or (conj is _Kind.AND and not prohibited)
        else:
            required = not prohibited and conj is not _Kind.OR
        occur = Occur.MUST_NOT if prohibited else Occur.MUST if required else Occur.SHOULD
        clauses.append(Clause(occur, query))

    def _clause(self, field: Optional[str], depth: int, after: Optional[_Token],
                group_start: Optional[int], first: bool) -> Query:
        """[field ":"] (Term | "(" Query ")" ["^" boost])."""
        token = self._peek()
        if token.kind in (_Kind.TERM, _Kind.STAR) and self._peek(1).kind is _Kind.COLON:
            field_token = self._next()
            self._next()
            if field_token.kind is _Kind.STAR:
                field = "*"
            elif not _is_field_name(field_token.text):
                raise QuerySyntaxError("Invalid field name '{field}' at position {position}",
                                       field=field_token.value, position=field_token.pos)
            else:
                field = str(field_token.value)
            token = self._peek()
            if token.kind in (_Kind.EOF, _Kind.RPAREN, _Kind.AND, _Kind.OR):
                raise QuerySyntaxError("Field name without a value at position {position}",
                                       position=field_token.pos)
            after = None
        if token.kind is _Kind.LPAREN:
            return self._group(field, depth)
        if token.kind in (_Kind.TERM, _Kind.STAR, _Kind.WILD, _Kind.QUOTED, _Kind.BAREOPER,
                          _Kind.RANGE_START):
            return self._term(field)
        # Nothing that can start a clause: say why as precisely as we can.
        if after is not None and token.kind in (_Kind.EOF, _Kind.RPAREN, _Kind.AND, _Kind.OR):
            raise QuerySyntaxError("Missing term after '{operator}' at position {position}",
                                   operator=after.text, position=after.pos)
        if token.kind is _Kind.EOF and group_start is not None:
            raise QuerySyntaxError("Unbalanced parenthesis at position {position}",
                                   position=group_start)
        if token.kind is _Kind.RPAREN:
            if group_start is not None and first:
                raise QuerySyntaxError("Empty parentheses at position {position}",
                                       position=group_start)
            raise QuerySyntaxError("Unbalanced parenthesis at position {position}",
                                   position=token.pos)
        raise self._unexpected(token)

    def _group(self, field: Optional[str], depth: int) -> Query:
        lparen = self._next()
        if depth + 1 > MAX_DEPTH:
            raise _too_deep()
        # The group's field (if any) becomes the default of its unfielded clauses.
        query = self._query(field, depth + 1, lparen.pos)
        if self._peek().kind is not _Kind.RPAREN:
            raise QuerySyntaxError("Unbalanced parenthesis at position {position}",
                                   position=lparen.pos)
        self._next()
        if self._peek().kind is _Kind.BOOST:
            self._next()  # group boosts are accepted and ignored
        return query

    def _term(self, field: Optional[str]) -> Query:
        token = self._next()
        if token.kind is _Kind.RANGE_START:
            return self._range(field, token)
        # Lucene allows "^boost" and "~slop", each once, in either order.
        boost: Optional[float] = None
        slop: Optional[_Token] = None
        while True:
            following = self._peek()
            if following.kind is _Kind.BOOST and boost is None:
                boost = cast(float, following.value)
            elif following.kind is _Kind.FUZZY and slop is None:
                slop = following
            else:
                break
            self._next()
        if field == "*" and token.kind is not _Kind.STAR:
            raise QuerySyntaxError(
                "Unsupported use of field '*' at position {position}: only '*:*' is allowed",
                position=token.pos)
        if token.kind is _Kind.STAR:
            if field == "*":
                return MatchAll()
            return Wildcard(None, "*", boost) if field is None else Exists(field)
        if token.kind is _Kind.QUOTED:
            return Phrase(field, str(token.value), _phrase_slop(slop), boost)
        if token.kind is _Kind.WILD:
            if _has_escaped_wildcard(token.text):
                raise QuerySyntaxError("Escaped '*' or '?' in the wildcard term at position "
                                       "{position} is not supported", position=token.pos)
            return Wildcard(field, str(token.value), boost)
        if token.kind is _Kind.BAREOPER:
            return Term(field, token.text, boost)
        return Term(field, str(token.value), boost)  # fuzziness dropped

    def _range(self, field: Optional[str], start: _Token) -> Query:
        items: list[_Token] = []
        while self._peek().kind is not _Kind.RANGE_END:
            items.append(self._next())  # the lexer guarantees an end or an error
        end = self._next()
        position = start.pos
        if len(items) != 3 or items[1].kind is not _Kind.RANGE_TO:
            if len(items) >= 2 and items[1].kind is _Kind.RANGE_TO:
                if len(items) == 2:
                    raise QuerySyntaxError("Range query at position {position} is missing a bound",
                                           position=position)
                raise self._unexpected(items[3])
            if any(item.kind is _Kind.RANGE_TO for item in items[1:]):
                raise self._unexpected(items[1])
            if not items or (len(items) == 1 and items[0].kind is _Kind.RANGE_TO):
                raise QuerySyntaxError("Range query at position {position} is missing a bound",
                                       position=position)
            raise QuerySyntaxError("Range query at position {position} is missing 'TO'",
                                   position=position)
        if field is None:
            raise QuerySyntaxError("Range query at position {position} needs a field name",
                                   position=position)
        if field == "*":
            raise QuerySyntaxError(
                "Unsupported use of field '*' at position {position}: only '*:*' is allowed",
                position=position)
        if self._peek().kind is _Kind.BOOST:
            self._next()  # range boosts are accepted and ignored
        lower, upper = _range_bound(items[0]), _range_bound(items[2])
        if lower is None and upper is None:
            return Exists(field)
        return Range(field, lower, upper, bool(start.value), bool(end.value))


def _range_bound(token: _Token) -> Optional[str]:
    if token.kind is _Kind.RANGE_TO:
        return "TO"
    if token.kind is _Kind.RANGE_WORD and token.text == "*":
        return None  # only an unquoted, unescaped star is an open end
    return str(token.value)


def _phrase_slop(token: Optional[_Token]) -> Optional[int]:
    # Lucene: Float.valueOf(slop).intValue(), silently ignored when not a number.
    if token is None or not _SLOP_RE.fullmatch(str(token.value)):
        return None
    return int(float(str(token.value)))


def parse_lucene(text: str, default_operator: Occur = Occur.SHOULD) -> Query:
    """Parse Solr's standard ("lucene") query syntax.

    ``default_operator`` is ``q.op``: :attr:`Occur.SHOULD` for OR (Solr's
    default), :attr:`Occur.MUST` for AND. Unfielded clauses get
    ``field=None`` (the ``df`` field). Empty or blank text is
    :class:`MatchAll`, as CKAN treats an empty ``q``.

    :raises QuerySyntaxError: on malformed text.
    :raises QueryTooComplexError: over :data:`MAX_DEPTH` nested groups or
        :data:`MAX_CLAUSES` clauses.
    """
    return _LuceneParser(text, 0, default_operator, None).parse()


# ---------------------------------------------------------------------------
# dismax, mm, edismax
# ---------------------------------------------------------------------------
def parse_dismax(text: str) -> Query:
    """Parse the ``dismax`` ``q`` syntax; never raises.

    Whitespace-separated words and ``"quoted phrases"``, each optionally
    marked ``+`` (MUST) or ``-`` (MUST_NOT); unmarked ones are SHOULD. Every
    other character is literal (Solr escapes them), and ``AND``/``OR``/``NOT``
    are plain words. As Solr does, an odd number of ``"`` removes all quotes;
    operators standing alone (``a - b``), runs of operators (``--a`` is
    ``a``) and empty phrases are dropped. All terms have ``field=None`` (the
    ``qf`` fields).

    Returns a :class:`Boolean` (``minimum_should_match`` 0: see
    :func:`apply_minimum_should_match`), empty if nothing searchable is left
    (which matches nothing, like Solr), or :class:`MatchAll` for blank text.
    Past :data:`MAX_CLAUSES` clauses, the rest of the text is ignored
    (truncation rather than an error, so that dismax never fails).
    """
    return _dismax(text, Occur.SHOULD)


def _dismax(text: str, default_occur: Occur) -> Query:
    if not text.strip():
        return MatchAll()
    if text.count('"') % 2:
        text = text.replace('"', "")  # Solr's stripUnbalancedQuotes
    clauses: list[Clause] = []
    occur = default_occur
    index, length = 0, len(text)
    while index < length and len(clauses) < MAX_CLAUSES:
        char = text[index]
        if char.isspace():
            occur = default_occur
            index += 1
        elif char in "+-":
            end = index
            while end < length and text[end] in "+-":
                end += 1
            if end - index == 1 and end < length and not text[end].isspace():
                occur = Occur.MUST if char == "+" else Occur.MUST_NOT
            else:
                occur = default_occur  # a bare or repeated operator: dropped
            index = end
        elif char == '"':
            end = text.index('"', index + 1)  # quotes are balanced here
            phrase = text[index + 1:end]
            if phrase.strip():
                clauses.append(Clause(occur, Phrase(None, phrase)))
            occur = default_occur
            index = end + 1
        else:
            end = index
            while end < length and not text[end].isspace() and text[end] != '"':
                end += 1
            clauses.append(Clause(occur, Term(None, text[index:end])))
            occur = default_occur
            index = end
    return Boolean(tuple(clauses))


_MM_INTEGER = re.compile(r"[+-]?[0-9]+")
_MM_LESS_THAN = re.compile(r"\s*<\s*")


def minimum_should_match(spec: Optional[str], optional_clauses: int) -> int:
    """How many of ``optional_clauses`` SHOULD clauses must match, per Solr's ``mm``.

    ``spec`` forms (Solr's ``SolrPluginUtils.calculateMinShouldMatch``):
    ``3`` (that many), ``-1`` (all but one), ``75%`` (that share, rounded
    down), ``-25%`` (all but that share, rounded down), and conditions
    ``"2<-1 5<80%"``: up to 2 clauses all are required, above 2 and up to 5
    all but one, above 5 80%. The result is clamped to
    ``[0, optional_clauses]``.

    ``None`` or a blank spec means 100% (all optional clauses required):
    that is the classic dismax default, and the one CKAN expects since it
    always sends ``mm`` when it picks dismax.

    :raises QuerySyntaxError: when ``spec`` is not a valid ``mm`` value.
    """
    count = max(optional_clauses, 0)
    if spec is None or not spec.strip():
        return count
    result = _mm(spec.strip(), count, spec)
    return max(0, min(result, count))


def _mm(spec: str, count: int, original: str) -> int:
    if "<" in spec:
        result = count
        for part in _MM_LESS_THAN.sub("<", spec).split():
            bound, _, nested = part.partition("<")
            if not bound or not nested or "<" in nested:
                raise _invalid_mm(original)
            if count <= _mm_integer(bound, original):
                return result
            result = _mm(nested, count, original)
        return result
    if spec.endswith("%"):
        percent = _mm_integer(spec[:-1], original)
        # Java's (int) cast truncates toward zero: -1.75 clauses -> -1.
        share = abs(count * percent) // 100
        result = count - share if percent < 0 else share
    else:
        number = _mm_integer(spec, original)
        result = count + number if number < 0 else number
    return max(result, 0)


def _mm_integer(text: str, original: str) -> int:
    if not _MM_INTEGER.fullmatch(text):
        raise _invalid_mm(original)
    return int(text)


def _invalid_mm(spec: str) -> QuerySyntaxError:
    return QuerySyntaxError("Invalid minimum should match (mm) value '{spec}'", spec=spec)


def apply_minimum_should_match(query: Query, mm: Optional[str]) -> Query:
    """``query`` with ``minimum_should_match`` set from ``mm`` and its SHOULD count.

    Only a :class:`Boolean` is changed (a single clause or :class:`MatchAll`
    is returned as is). ``mm`` of ``None`` means 100%, see
    :func:`minimum_should_match`.

    :raises QuerySyntaxError: when ``mm`` is not a valid ``mm`` value.
    """
    if not isinstance(query, Boolean):
        return query
    optional = sum(1 for clause in query.clauses if clause.occur is Occur.SHOULD)
    return dataclasses.replace(query, minimum_should_match=minimum_should_match(mm, optional))


def parse_edismax(text: str, mm: Optional[str] = None,
                  default_operator: Occur = Occur.SHOULD) -> Query:
    """Parse an ``edismax`` ``q``: Lucene syntax, ``mm``, and a dismax fallback.

    The text is parsed as :func:`parse_lucene` (unfielded terms keep
    ``field=None``, to be searched in ``qf``). ``mm`` is then applied to the
    top-level :class:`Boolean` only when no top-level clause is MUST and no
    explicit ``AND``/``OR`` joins top-level clauses (Solr's edismax ignores
    ``mm`` when the user wrote operators; we keep that rule simple). ``mm``
    of ``None`` or blank leaves the query as parsed: ``q.op`` already gives
    what Solr's default ``mm`` (0% for OR, 100% for AND) would.

    When the text is not valid Lucene syntax, it is parsed as dismax (what
    Solr does: it escapes the text and retries), with unmarked clauses
    getting ``default_operator``, and ``mm`` applied as above.

    :raises QueryTooComplexError: over the nesting or clause limits.
    :raises QuerySyntaxError: only for an invalid ``mm`` value.
    """
    _check_default_operator(default_operator)
    explicit_operators = False
    try:
        parser = _LuceneParser(text, 0, default_operator, None)
        query = parser.parse()
        explicit_operators = parser.top_level_conjunction
    except QueryTooComplexError:
        raise
    except QuerySyntaxError:
        query = _dismax(text, default_operator)
    if mm is None or not mm.strip() or explicit_operators or not isinstance(query, Boolean):
        return query
    if any(clause.occur is Occur.MUST for clause in query.clauses):
        return query
    return apply_minimum_should_match(query, mm)


# ---------------------------------------------------------------------------
# Function queries
# ---------------------------------------------------------------------------
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class _FunctionParser:
    """number | identifier | identifier "(" [function ("," function)*] ")"."""

    def __init__(self, text: str, start: int) -> None:
        self._text = text
        self._pos = start
        self._nodes = 0

    def parse(self) -> Function:
        self._skip_whitespace()
        if self._pos >= len(self._text):
            raise QuerySyntaxError("Missing function query at position {position}",
                                   position=self._pos)
        function = self._function(0)
        self._skip_whitespace()
        if self._pos < len(self._text):
            raise self._unexpected()
        return function

    def _skip_whitespace(self) -> None:
        while self._pos < len(self._text) and self._text[self._pos].isspace():
            self._pos += 1

    def _unexpected(self) -> QuerySyntaxError:
        return QuerySyntaxError("Unexpected '{token}' at position {position}",
                                token=self._text[self._pos], position=self._pos)

    def _function(self, depth: int) -> Function:
        """One function at ``self._pos`` (the caller made sure a character is there)."""
        self._nodes += 1
        if self._nodes > MAX_CLAUSES:
            raise _too_many_clauses()
        text, start = self._text, self._pos
        match = _NUMBER_RE.match(text, start)
        if match is not None:
            value = float(match.group())
            if not math.isfinite(value):
                raise QuerySyntaxError("Invalid number '{number}' at position {position}",
                                       number=match.group(), position=start)
            self._pos = match.end()
            return Number(value)
        if not (text[start].isalpha() or text[start] == "_"):
            raise self._unexpected()
        end = start + 1
        while end < len(text) and (text[end].isalnum() or text[end] in "_."):
            end += 1
        name = text[start:end]
        self._pos = end
        self._skip_whitespace()
        if self._pos >= len(text) or text[self._pos] != "(":
            return FieldValue(name)
        if depth + 1 > MAX_DEPTH:
            raise QueryTooComplexError(
                "Query is too complex: more than {limit} nested function calls", limit=MAX_DEPTH)
        return Call(name, self._arguments(depth + 1))

    def _arguments(self, depth: int) -> tuple[Function, ...]:
        text = self._text
        lparen = self._pos
        self._pos += 1
        self._skip_whitespace()
        if self._pos < len(text) and text[self._pos] == ")":
            self._pos += 1
            return ()
        arguments: list[Function] = []
        while True:
            if self._pos >= len(text):
                raise QuerySyntaxError("Unbalanced parenthesis at position {position}",
                                       position=lparen)
            if text[self._pos] in ",)":
                raise QuerySyntaxError("Missing function argument at position {position}",
                                       position=self._pos)
            arguments.append(self._function(depth))
            self._skip_whitespace()
            if self._pos >= len(text):
                raise QuerySyntaxError("Unbalanced parenthesis at position {position}",
                                       position=lparen)
            if text[self._pos] == ")":
                self._pos += 1
                return tuple(arguments)
            if text[self._pos] != ",":
                raise self._unexpected()
            self._pos += 1
            self._skip_whitespace()


def parse_function(text: str) -> Function:
    """Parse a Solr function query such as ``div(mul(2,maxx),add(1.5,minx))``.

    Numbers (``3``, ``-1.5``, ``2e-3``) are :class:`Number`, bare
    identifiers are :class:`FieldValue`, ``name(args...)`` is :class:`Call`
    for any identifier name (the compiler decides which it supports).
    Whitespace is allowed between any two tokens.

    :raises QuerySyntaxError: on malformed text (string arguments included).
    :raises QueryTooComplexError: over :data:`MAX_DEPTH` nested calls or
        :data:`MAX_CLAUSES` nodes.
    """
    return _FunctionParser(text, 0).parse()


# ---------------------------------------------------------------------------
# Filters and local parameters
# ---------------------------------------------------------------------------
_TRUE = frozenset({"true", "on", "yes"})
_FALSE = frozenset({"false", "off", "no"})


def _local_params(text: str, start: int) -> tuple[dict[str, str], int]:
    """Parse ``{!type key=value key='quoted' ...}`` at ``start``.

    Returns the parameters (a bare word is the ``type``, as in Solr) and the
    position just after the closing ``}``.
    """
    params: dict[str, str] = {}
    pos = start + 2
    length = len(text)
    while True:
        while pos < length and text[pos].isspace():
            pos += 1
        if pos >= length:
            raise QuerySyntaxError("Unterminated local parameters starting at position {position}",
                                   position=start)
        if text[pos] == "}":
            return params, pos + 1
        end = pos
        while end < length and (text[end].isalnum() or text[end] in "_."):
            end += 1
        if end == pos:
            raise QuerySyntaxError("Invalid local parameters at position {position}", position=pos)
        key = text[pos:end]
        pos = end
        if pos >= length or text[pos] != "=":
            params["type"] = key
            continue
        pos += 1
        if pos < length and text[pos] in "'\"":
            quote, quote_start = text[pos], pos
            value: list[str] = []
            pos += 1
            while pos < length and text[pos] != quote:
                if text[pos] == "\\" and pos + 1 < length:
                    pos += 1
                value.append(text[pos])
                pos += 1
            if pos >= length:
                raise QuerySyntaxError("Unterminated quoted value starting at position {position}",
                                       position=quote_start)
            pos += 1
            params[key] = "".join(value)
        else:
            end = pos
            while end < length and not text[end].isspace() and text[end] != "}":
                end += 1
            params[key] = text[pos:end]
            pos = end


def _local_float(params: dict[str, str], name: str) -> Optional[float]:
    value = params.get(name)
    if value is None:
        return None
    if _NUMBER_RE.fullmatch(value.strip()) is None or not math.isfinite(float(value)):
        raise QuerySyntaxError("Invalid number '{value}' for local parameter '{name}'",
                               value=value, name=name)
    return float(value)


def _local_bool(params: dict[str, str], name: str) -> bool:
    value = params.get(name)
    if value is None or value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise QuerySyntaxError("Invalid boolean '{value}' for local parameter '{name}'",
                           value=value, name=name)


def parse_filter(text: str, default_operator: Occur = Occur.SHOULD) -> Query:
    """Parse one ``fq`` entry.

    * ``{!frange l=.. u=.. incl=.. incu=..}function`` gives a
      :class:`FunctionRange` (``incl``/``incu`` default to true; values may
      be quoted with ``'`` or ``"``).
    * ``{!field f=name}value`` gives a :class:`Phrase` of the whole value
      on that field (the compiler reads it by the field's type).
    * ``{!lucene}``, ``{!type=lucene}`` or ``{!}`` are stripped and the rest
      parsed by :func:`parse_lucene`; their ``q.op`` (AND/OR) and ``df``
      parameters are honoured (``df`` becomes the field of unfielded clauses).
    * Without local parameters, the whole text is :func:`parse_lucene`.

    For both parsers, a ``v`` parameter is the query when nothing follows
    the ``}`` (error positions are then relative to the ``v`` value).
    Parameters we do not use (``cache``, ``cost``, ``tag``...) are ignored.

    :raises QuerySyntaxError: on malformed text, or on any other parser
        (``Unsupported query parser '{parser}'``).
    """
    _check_default_operator(default_operator)
    start = len(text) - len(text.lstrip())
    if not text.startswith("{!", start):
        return parse_lucene(text, default_operator)
    params, body_start = _local_params(text, start)
    body, offset = text, body_start
    if not text[body_start:].strip() and "v" in params:
        body, offset = params["v"], 0
    parser = params.get("type", "lucene")
    if parser == "frange":
        return FunctionRange(
            function=_FunctionParser(body, offset).parse(),
            lower=_local_float(params, "l"),
            upper=_local_float(params, "u"),
            include_lower=_local_bool(params, "incl"),
            include_upper=_local_bool(params, "incu"),
        )
    if parser == "lucene":
        operator = params.get("q.op")
        if operator is not None:
            if operator.upper() not in ("AND", "OR"):
                raise QuerySyntaxError("Invalid q.op value '{value}'", value=operator)
            default_operator = Occur.MUST if operator.upper() == "AND" else Occur.SHOULD
        default_field = params.get("df") or None
        return _LuceneParser(body, offset, default_operator, default_field).parse()
    if parser == "field":
        # Solr's FieldQParser: the whole value, as one query on field f (a
        # phrase on a text field, the exact value on a string field, a
        # spatial predicate on a spatial field: ckanext-spatial's
        # ``{!field f=spatial_geom}Intersects(ENVELOPE(...))``).
        field = params.get("f", "").strip()
        if not field:
            raise QuerySyntaxError("The field query parser needs a field (f=...)")
        return Phrase(field, body[offset:].strip())
    if parser == "bool":
        # Solr's BoolQParser: each parameter is a Lucene query.
        occurs = (("must", Occur.MUST), ("filter", Occur.MUST),
                  ("should", Occur.SHOULD), ("must_not", Occur.MUST_NOT))
        clauses = tuple(Clause(occur, parse_lucene(params[name], default_operator))
                        for name, occur in occurs if params.get(name, "").strip())
        if not clauses:
            raise QuerySyntaxError("The bool query parser needs must, should, must_not or filter")
        return Boolean(clauses)
    raise QuerySyntaxError("Unsupported query parser '{parser}'", parser=parser)

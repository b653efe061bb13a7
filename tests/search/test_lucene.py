"""Unit tests of ckanext.amp.search.lucene (pure Python, no CKAN)."""
from __future__ import annotations

import random

import pytest

from ckanext.amp.search.lucene import (MAX_CLAUSES, MAX_DEPTH, QueryTooComplexError,
                                       apply_minimum_should_match, minimum_should_match,
                                       parse_dismax, parse_edismax, parse_filter, parse_function,
                                       parse_lucene)
from ckanext.amp.search.query_ast import (Boolean, Call, Clause, Exists, FieldValue,
                                          FunctionRange, MatchAll, Number, Occur, Phrase,
                                          QuerySyntaxError, Range, Term, Wildcard)

MUST, SHOULD, NOT = Occur.MUST, Occur.SHOULD, Occur.MUST_NOT


def B(*clauses: tuple[Occur, object], mm: int = 0) -> Boolean:
    return Boolean(tuple(Clause(occur, query) for occur, query in clauses), mm)  # type: ignore


def T(text: str, field: str | None = None, boost: float | None = None) -> Term:
    return Term(field, text, boost)


def P(text: str, field: str | None = None, slop: int | None = None,
      boost: float | None = None) -> Phrase:
    return Phrase(field, text, slop, boost)


def syntax_error(function, *args) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as info:
        function(*args)
    return info.value


# ---------------------------------------------------------------------------
# What CKAN really sends
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("operator", [SHOULD, MUST])
@pytest.mark.parametrize("text, expected", [
    ("*:*", MatchAll()),
    ("+capacity:public +state:(active)",
     B((MUST, T("public", "capacity")), (MUST, T("active", "state")))),
    ('+site_id:"default"', P("default", "site_id")),
    ("+state:active", T("active", "state")),
    ('+permission_labels:("public" OR "creator-abc" OR "member-123")',
     B((SHOULD, P("public", "permission_labels")),
       (SHOULD, P("creator-abc", "permission_labels")),
       (SHOULD, P("member-123", "permission_labels")))),
    ('+entity_type:package AND +(id:"abc" OR name:"abc") AND +site_id:"default"',
     B((MUST, T("package", "entity_type")),
       (MUST, B((SHOULD, P("abc", "id")), (SHOULD, P("abc", "name")))),
       (MUST, P("default", "site_id")))),
    ('name:"annakarenina" OR id:"annakarenina"',
     B((SHOULD, P("annakarenina", "name")), (SHOULD, P("annakarenina", "id")))),
    ('tags:"russian"', P("russian", "tags")),
    ("metadata_modified:[2020-01-01T00:00:00Z TO NOW]",
     Range("metadata_modified", "2020-01-01T00:00:00Z", "NOW")),
    ("num_resources:[1 TO *]", Range("num_resources", "1", None)),
    ("-organization:*", B((NOT, Exists("organization")))),
    ("extras_spatial:*", Exists("extras_spatial")),
    ("+dataset_type:dataset", T("dataset", "dataset_type")),
    ("organization:org1 OR organization:org2",
     B((SHOULD, T("org1", "organization")), (SHOULD, T("org2", "organization")))),
])
def test_ckan_queries_same_for_both_operators(text, expected, operator):
    assert parse_lucene(text, operator) == expected
    assert parse_filter(text, operator) == expected


def test_ckan_res_format_and_groups():
    text = 'res_format:"CSV" +groups:"david"'
    assert parse_lucene(text) == B((SHOULD, P("CSV", "res_format")), (MUST, P("david", "groups")))
    assert parse_lucene(text, MUST) == B((MUST, P("CSV", "res_format")),
                                         (MUST, P("david", "groups")))


def test_ckan_title_prefix_and_negated_tag():
    expected = B((SHOULD, Wildcard("title", "foo*")), (NOT, T("bar", "tags")))
    assert parse_lucene("title:foo* -tags:bar") == expected
    assert parse_lucene("title:foo* -tags:bar", MUST) == B(
        (MUST, Wildcard("title", "foo*")), (NOT, T("bar", "tags")))


def test_foo_bar_with_both_default_operators():
    assert parse_lucene("foo bar") == B((SHOULD, T("foo")), (SHOULD, T("bar")))
    assert parse_lucene("foo bar", MUST) == B((MUST, T("foo")), (MUST, T("bar")))


# ---------------------------------------------------------------------------
# Occur semantics: QueryParserBase.addClause
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, with_or, with_and", [
    ("a AND b", [MUST, MUST], [MUST, MUST]),
    ("a OR b", [SHOULD, SHOULD], [SHOULD, SHOULD]),
    ("a && b", [MUST, MUST], [MUST, MUST]),
    ("a || b", [SHOULD, SHOULD], [SHOULD, SHOULD]),
    ("a b c", [SHOULD] * 3, [MUST] * 3),
    ("a AND b OR c", [MUST, MUST, SHOULD], [MUST, SHOULD, SHOULD]),
    ("a OR b AND c", [SHOULD, MUST, MUST], [SHOULD, MUST, MUST]),
    ("a OR b c", [SHOULD, SHOULD, SHOULD], [SHOULD, SHOULD, MUST]),
    ("+a b", [MUST, SHOULD], [MUST, MUST]),
    ("+a OR b", [MUST, SHOULD], [SHOULD, SHOULD]),
    ("a OR +b", [SHOULD, MUST], [SHOULD, SHOULD]),
    ("-a OR b", [NOT, SHOULD], [NOT, SHOULD]),
    ("-a AND b", [NOT, MUST], [NOT, MUST]),
    ("a AND -b", [MUST, NOT], [MUST, NOT]),
    ("a AND NOT b", [MUST, NOT], [MUST, NOT]),
    ("a OR NOT b", [SHOULD, NOT], [SHOULD, NOT]),
    ("a NOT b", [SHOULD, NOT], [MUST, NOT]),
    ("a !b", [SHOULD, NOT], [MUST, NOT]),
    ("a -b +c", [SHOULD, NOT, MUST], [MUST, NOT, MUST]),
    ("NOT a AND b", [NOT, MUST], [NOT, MUST]),
])
def test_add_clause_semantics(text, with_or, with_and):
    words = [word.strip("+-!") for word in text.split()
             if word not in ("AND", "OR", "NOT", "&&", "||")]
    for operator, occurs in ((SHOULD, with_or), (MUST, with_and)):
        expected = B(*[(occur, T(word)) for occur, word in zip(occurs, words)])
        assert parse_lucene(text, operator) == expected, (text, operator)


def test_single_clauses_are_simplified_but_not_a_single_negation():
    assert parse_lucene("foo") == T("foo")
    assert parse_lucene("+foo") == T("foo")
    assert parse_lucene("foo", MUST) == T("foo")
    assert parse_lucene("-foo") == B((NOT, T("foo")))
    assert parse_lucene("!foo") == B((NOT, T("foo")))
    assert parse_lucene("NOT foo") == B((NOT, T("foo")))
    assert parse_lucene("((foo))") == T("foo")
    assert parse_lucene("a (-b)") == B((SHOULD, T("a")), (SHOULD, B((NOT, T("b")))))


def test_nested_groups_get_their_own_boolean():
    assert parse_lucene("a AND (b OR (c -d))") == B(
        (MUST, T("a")),
        (MUST, B((SHOULD, T("b")), (SHOULD, B((SHOULD, T("c")), (NOT, T("d")))))))
    assert parse_lucene("(a b) (c d)", MUST) == B(
        (MUST, B((MUST, T("a")), (MUST, T("b")))),
        (MUST, B((MUST, T("c")), (MUST, T("d")))))


def test_empty_and_blank_input_is_match_all():
    assert parse_lucene("") == MatchAll()
    assert parse_lucene("  \t\n ") == MatchAll()
    assert parse_filter("") == MatchAll()


def test_default_operator_must_not_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_lucene("a", NOT)


# ---------------------------------------------------------------------------
# Terms, fields, tokens
# ---------------------------------------------------------------------------
def test_fields():
    assert parse_lucene("title:foo") == T("foo", "title")
    assert parse_lucene("title : foo") == T("foo", "title")
    assert parse_lucene("extras.my-field_2:x") == T("x", "extras.my-field_2")
    assert parse_lucene(r"my\ field:x") == T("x", "my field")
    assert parse_lucene(r"foo\:bar:baz") == T("baz", "foo:bar")


def test_group_applies_its_field_to_unfielded_clauses():
    assert parse_lucene('tags:(a "b c" d* other:e [1 TO 2] *)') == B(
        (SHOULD, T("a", "tags")),
        (SHOULD, P("b c", "tags")),
        (SHOULD, Wildcard("tags", "d*")),
        (SHOULD, T("e", "other")),
        (SHOULD, Range("tags", "1", "2")),
        (SHOULD, Exists("tags")))
    assert parse_lucene("a:(b:(c d))") == B((SHOULD, T("c", "b")), (SHOULD, T("d", "b")))
    assert parse_lucene("title:(*:*)") == MatchAll()


def test_term_characters():
    assert parse_lucene("foo-bar") == T("foo-bar")
    assert parse_lucene("c++") == T("c++")
    assert parse_lucene("a&b a&&b a||b") == B(
        (SHOULD, T("a&b")), (SHOULD, T("a&&b")), (SHOULD, T("a||b")))
    assert parse_lucene("http/path/x") == T("http/path/x")
    assert parse_lucene("/ab+c/") == T("/ab+c/")  # no regex support
    assert parse_lucene("délibérations 2023") == B(
        (SHOULD, T("délibérations")), (SHOULD, T("2023")))
    assert parse_lucene("3.14") == T("3.14")


def test_keywords_are_whole_words_only():
    assert parse_lucene("ANDROID ORegon NOTE and or not") == B(
        (SHOULD, T("ANDROID")), (SHOULD, T("ORegon")), (SHOULD, T("NOTE")),
        (SHOULD, T("and")), (SHOULD, T("or")), (SHOULD, T("not")))
    assert parse_lucene(r"\AND") == T("AND")


def test_special_characters_split_terms_like_lucene():
    assert parse_lucene("foo!bar") == B((SHOULD, T("foo")), (NOT, T("bar")))
    assert parse_lucene('foo"bar"') == B((SHOULD, T("foo")), (SHOULD, P("bar")))
    assert parse_lucene("foo(bar)") == B((SHOULD, T("foo")), (SHOULD, T("bar")))


def test_bare_operators_followed_by_whitespace_are_terms():
    assert parse_lucene("a + b") == B((SHOULD, T("a")), (SHOULD, T("+")), (SHOULD, T("b")))
    assert parse_lucene("a - b") == B((SHOULD, T("a")), (SHOULD, T("-")), (SHOULD, T("b")))
    assert parse_lucene("! b") == B((SHOULD, T("!")), (SHOULD, T("b")))


def test_escapes():
    assert parse_lucene(r"foo\:bar") == T("foo:bar")
    assert parse_lucene(r"foo\*") == T("foo*")
    assert parse_lucene(r"\(1\+1\)\:2") == T("(1+1):2")
    assert parse_lucene(r"a\ b") == T("a b")
    assert parse_lucene(r"\-a") == T("-a")
    assert parse_lucene(r"\\*") == Wildcard(None, "\\*")  # literal backslash, then a wildcard
    assert parse_lucene(r'"say \"hi\""') == P('say "hi"')


def test_wildcards():
    assert parse_lucene("foo*") == Wildcard(None, "foo*")
    assert parse_lucene("f?o") == Wildcard(None, "f?o")
    assert parse_lucene("*foo") == Wildcard(None, "*foo")
    assert parse_lucene("?") == Wildcard(None, "?")
    assert parse_lucene("fo*o-b?r") == Wildcard(None, "fo*o-b?r")
    assert parse_lucene(r"a\:b*") == Wildcard(None, "a:b*")
    assert parse_lucene("title:foo*^2") == Wildcard("title", "foo*", 2.0)
    assert parse_lucene("foo*~2") == Wildcard(None, "foo*")


def test_star():
    assert parse_lucene("*:*") == MatchAll()
    assert parse_lucene("*:*^3") == MatchAll()
    assert parse_lucene("-*:*") == B((NOT, MatchAll()))
    assert parse_lucene("field:*") == Exists("field")
    assert parse_lucene("*") == Wildcard(None, "*")


def test_phrases():
    assert parse_lucene('"water quality"') == P("water quality")
    assert parse_lucene('notes:"water quality"~3') == P("water quality", "notes", slop=3)
    assert parse_lucene('"a b"~2.7') == P("a b", slop=2)
    assert parse_lucene('"a b"~') == P("a b")
    assert parse_lucene('"a b"~x') == P("a b")
    assert parse_lucene('"a b"^2') == P("a b", boost=2.0)
    assert parse_lucene('"a b"~2^0.5') == P("a b", slop=2, boost=0.5)
    assert parse_lucene('"a b"^0.5~2') == P("a b", slop=2, boost=0.5)
    assert parse_lucene('""') == P("")
    assert parse_lucene('"a:b (c) [d]"') == P("a:b (c) [d]")


def test_boosts_and_fuzzy():
    assert parse_lucene("foo^2") == T("foo", boost=2.0)
    assert parse_lucene("title:foo^0.5") == T("foo", "title", 0.5)
    assert parse_lucene("foo~") == T("foo")
    assert parse_lucene("foo~2") == T("foo")
    assert parse_lucene("foo~0.8^3") == T("foo", boost=3.0)
    assert parse_lucene("foo^3~1") == T("foo", boost=3.0)
    assert parse_lucene("(a b)^2") == B((SHOULD, T("a")), (SHOULD, T("b")))
    assert parse_lucene("title:(foo)^2") == T("foo", "title")
    assert parse_lucene("x:[1 TO 2]^2") == Range("x", "1", "2")
    assert parse_lucene("x:*^2") == Exists("x")
    assert parse_lucene("foo^2bar") == B((SHOULD, T("foo", boost=2.0)), (SHOULD, T("bar")))
    # Whitespace between tokens is skipped, as in Lucene.
    assert parse_lucene("foo ^2") == T("foo", boost=2.0)
    assert parse_lucene('"a b" ~2') == P("a b", slop=2)


# ---------------------------------------------------------------------------
# Ranges
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("x:[a TO b]", Range("x", "a", "b", True, True)),
    ("x:{a TO b}", Range("x", "a", "b", False, False)),
    ("x:[a TO b}", Range("x", "a", "b", True, False)),
    ("x:{a TO b]", Range("x", "a", "b", False, True)),
    ("x:[* TO 5]", Range("x", None, "5")),
    ("x:{* TO 5}", Range("x", None, "5", False, False)),
    ("x:[5 TO *]", Range("x", "5", None)),
    ("x:[* TO *]", Exists("x")),
    ("x:{* TO *}", Exists("x")),
    ("x:[-1.5 TO 1e3]", Range("x", "-1.5", "1e3")),
    ("x:[  1   TO   2  ]", Range("x", "1", "2")),
    ('x:["2020-01-01T00:00:00Z" TO NOW]', Range("x", "2020-01-01T00:00:00Z", "NOW")),
    ("x:[2020-01-01T00:00:00Z TO NOW-1DAY]", Range("x", "2020-01-01T00:00:00Z", "NOW-1DAY")),
    ("x:[NOW/DAY-7DAYS TO NOW/DAY+1DAY]", Range("x", "NOW/DAY-7DAYS", "NOW/DAY+1DAY")),
    ('x:["*" TO "a b"]', Range("x", "*", "a b")),
    (r'x:["a\"b" TO c]', Range("x", 'a"b', "c")),
    (r"x:[a\]b TO c\ d]", Range("x", "a]b", "c d")),
    ("x:[TO TO TO]", Range("x", "TO", "TO")),
    ("x:[a:b(c TO d)]", Range("x", "a:b(c", "d)")),
])
def test_ranges(text, expected):
    assert parse_lucene(text) == expected


def test_range_followed_by_other_clauses():
    assert parse_lucene("x:[1 TO 2]y -z:{a TO b}") == B(
        (SHOULD, Range("x", "1", "2")), (SHOULD, T("y")), (NOT, Range("z", "a", "b", False, False)))


# ---------------------------------------------------------------------------
# Syntax errors: messages and positions
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, msgid, params", [
    ("(a", "Unbalanced parenthesis at position {position}", {"position": 0}),
    ("a (b (c)", "Unbalanced parenthesis at position {position}", {"position": 2}),
    ("a)", "Unbalanced parenthesis at position {position}", {"position": 1}),
    (")", "Unbalanced parenthesis at position {position}", {"position": 0}),
    ("title:(", "Unbalanced parenthesis at position {position}", {"position": 6}),
    ("a ()", "Empty parentheses at position {position}", {"position": 2}),
    ('a "abc', "Unterminated quoted phrase starting at position {position}", {"position": 2}),
    ('"abc\\"', "Unterminated quoted phrase starting at position {position}", {"position": 0}),
    ('x:["a TO b]', "Unterminated quoted phrase starting at position {position}",
     {"position": 3}),
    ("x:[a b]", "Range query at position {position} is missing 'TO'", {"position": 2}),
    ("x:[a]", "Range query at position {position} is missing 'TO'", {"position": 2}),
    ("x:[a TO]", "Range query at position {position} is missing a bound", {"position": 2}),
    ("x:[]", "Range query at position {position} is missing a bound", {"position": 2}),
    ("x:[TO]", "Range query at position {position} is missing a bound", {"position": 2}),
    ("x:[a TO b c]", "Unexpected '{token}' at position {position}",
     {"token": "c", "position": 10}),
    ("x:[a b TO c]", "Unexpected '{token}' at position {position}",
     {"token": "b", "position": 5}),
    ("x:[a TO b", "Unterminated range query starting at position {position}", {"position": 2}),
    ("[a TO b]", "Range query at position {position} needs a field name", {"position": 0}),
    ("a AND", "Missing term after '{operator}' at position {position}",
     {"operator": "AND", "position": 2}),
    ("a OR", "Missing term after '{operator}' at position {position}",
     {"operator": "OR", "position": 2}),
    ("a &&", "Missing term after '{operator}' at position {position}",
     {"operator": "&&", "position": 2}),
    ("a AND OR b", "Missing term after '{operator}' at position {position}",
     {"operator": "AND", "position": 2}),
    ("(a AND)", "Missing term after '{operator}' at position {position}",
     {"operator": "AND", "position": 3}),
    ("a +", "Missing term after '{operator}' at position {position}",
     {"operator": "+", "position": 2}),
    ("-", "Missing term after '{operator}' at position {position}",
     {"operator": "-", "position": 0}),
    ("a NOT", "Missing term after '{operator}' at position {position}",
     {"operator": "NOT", "position": 2}),
    ("(a !)", "Missing term after '{operator}' at position {position}",
     {"operator": "!", "position": 3}),
    ("title:", "Field name without a value at position {position}", {"position": 0}),
    ("a title: ", "Field name without a value at position {position}", {"position": 2}),
    ("(title:)", "Field name without a value at position {position}", {"position": 1}),
    ("title: AND b", "Field name without a value at position {position}", {"position": 0}),
    ("AND a", "Unexpected '{token}' at position {position}", {"token": "AND", "position": 0}),
    ("OR", "Unexpected '{token}' at position {position}", {"token": "OR", "position": 0}),
    ("+-a", "Unexpected '{token}' at position {position}", {"token": "-", "position": 1}),
    ("NOT NOT a", "Unexpected '{token}' at position {position}",
     {"token": "NOT", "position": 4}),
    ("a:b:c", "Unexpected '{token}' at position {position}", {"token": ":", "position": 3}),
    (":a", "Unexpected '{token}' at position {position}", {"token": ":", "position": 0}),
    ("title:+a", "Unexpected '{token}' at position {position}", {"token": "+", "position": 6}),
    ("foo*:bar", "Unexpected '{token}' at position {position}", {"token": ":", "position": 4}),
    ("a ]", "Unexpected '{token}' at position {position}", {"token": "]", "position": 2}),
    ("a }", "Unexpected '{token}' at position {position}", {"token": "}", "position": 2}),
    ("~a", "Unexpected '{token}' at position {position}", {"token": "~a", "position": 0}),
    ("a~1~2", "Unexpected '{token}' at position {position}", {"token": "~2", "position": 3}),
    ("x:[1 TO 2]~1", "Unexpected '{token}' at position {position}",
     {"token": "~1", "position": 10}),
    ("^2 a", "Unexpected '{token}' at position {position}", {"token": "^2", "position": 0}),
    ("(^2)", "Unexpected '{token}' at position {position}", {"token": "^2", "position": 1}),
    ("foo^", "Missing number after '^' at position {position}", {"position": 3}),
    ("foo^x", "Missing number after '^' at position {position}", {"position": 3}),
    ("foo^ 2", "Missing number after '^' at position {position}", {"position": 3}),
    ("foo\\", "Incomplete escape sequence at position {position}", {"position": 3}),
    ("x:[a TO b\\", "Incomplete escape sequence at position {position}", {"position": 9}),
    ("a&b:c", "Invalid field name '{field}' at position {position}",
     {"field": "a&b", "position": 0}),
    ("*:foo", "Unsupported use of field '*' at position {position}: only '*:*' is allowed",
     {"position": 2}),
    ("*:[1 TO 2]", "Unsupported use of field '*' at position {position}: only '*:*' is allowed",
     {"position": 2}),
    (r"foo\**", "Escaped '*' or '?' in the wildcard term at position {position} is not supported",
     {"position": 0}),
])
def test_syntax_errors(text, msgid, params):
    error = syntax_error(parse_lucene, text)
    assert (error.msgid, error.params) == (msgid, params)
    assert str(error) == msgid.format(**params)
    assert not isinstance(error, QueryTooComplexError)


def test_errors_are_reported_in_text_order():
    # The lexical error (unterminated phrase) comes after the parse error.
    error = syntax_error(parse_lucene, 'AND "abc')
    assert error.params == {"token": "AND", "position": 0}


# ---------------------------------------------------------------------------
# Limits
# ---------------------------------------------------------------------------
def test_nesting_limit():
    deep = "(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH
    assert parse_lucene(deep) == T("a")
    too_deep = "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1)
    error = syntax_error(parse_lucene, too_deep)
    assert isinstance(error, QueryTooComplexError)
    assert error.msgid == "Query is too complex: more than {limit} nested groups"
    assert error.params == {"limit": 64}
    # Even unbalanced: the limit triggers before anything else goes wrong.
    assert isinstance(syntax_error(parse_lucene, "(" * 10_000), QueryTooComplexError)


def test_clause_limit():
    words = " ".join(f"w{index}" for index in range(MAX_CLAUSES))
    assert len(parse_lucene(words).clauses) == MAX_CLAUSES  # type: ignore[union-attr]
    error = syntax_error(parse_lucene, words + " extra")
    assert isinstance(error, QueryTooComplexError)
    assert error.msgid == "Query is too complex: more than {limit} clauses"
    assert error.params == {"limit": 1024}
    # Groups count as clauses too: (a b) is three.
    groups = " ".join("(a b)" for _ in range(MAX_CLAUSES // 3 + 1))
    assert isinstance(syntax_error(parse_lucene, groups), QueryTooComplexError)


# ---------------------------------------------------------------------------
# Fuzzing: a Query or a QuerySyntaxError, never anything else
# ---------------------------------------------------------------------------
FUZZ_ALPHABET = list('+-!():^[]"{}~*?\\/ :&|') + [" ", "\t", "AND ", "OR ", "NOT ", "TO ",
                                                   "a", "b1", "é", "x:", "{!", "}", "\u3000"]


def _fuzz_texts(seed: int, count: int):
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(FUZZ_ALPHABET) for _ in range(rng.randint(0, 24)))


@pytest.mark.parametrize("seed", range(5))
def test_fuzz_lucene_and_filters(seed):
    for text in _fuzz_texts(seed, 2000):
        for operator in (SHOULD, MUST):
            for parse in (parse_lucene, parse_filter):
                try:
                    result = parse(text, operator)
                except QuerySyntaxError as error:
                    str(error)  # the template formats with its params
                else:
                    assert isinstance(result, (MatchAll, Term, Phrase, Wildcard, Exists, Range,
                                               FunctionRange, Boolean)), text


@pytest.mark.parametrize("seed", range(5))
def test_fuzz_dismax_and_edismax_never_raise(seed):
    for text in _fuzz_texts(seed, 2000):
        assert isinstance(parse_dismax(text), (Boolean, MatchAll)), text
        for operator in (SHOULD, MUST):
            parse_edismax(text, "2<-1 5<80%", operator)


@pytest.mark.parametrize("seed", range(3))
def test_fuzz_functions(seed):
    rng = random.Random(seed)
    alphabet = list("(),. -+e1x_") + ["div", "max(", "0.5", "1e3", "maxx"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        try:
            parse_function(text)
        except QuerySyntaxError as error:
            str(error)


# ---------------------------------------------------------------------------
# dismax
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("gold", B((SHOULD, T("gold")))),
    ('"water quality" -marseille +crau',
     B((SHOULD, P("water quality")), (NOT, T("marseille")), (MUST, T("crau")))),
    ("délibérations 2023", B((SHOULD, T("délibérations")), (SHOULD, T("2023")))),
    ("c++ (unbalanced", B((SHOULD, T("c++")), (SHOULD, T("(unbalanced")))),
    ("AND OR", B((SHOULD, T("AND")), (SHOULD, T("OR")))),
    ("a NOT b", B((SHOULD, T("a")), (SHOULD, T("NOT")), (SHOULD, T("b")))),
    ("title:foo* [1 TO 2] a^2 b~ !c \\d",
     B((SHOULD, T("title:foo*")), (SHOULD, T("[1")), (SHOULD, T("TO")), (SHOULD, T("2]")),
       (SHOULD, T("a^2")), (SHOULD, T("b~")), (SHOULD, T("!c")), (SHOULD, T("\\d")))),
    ('+"exact phrase" -"not this"', B((MUST, P("exact phrase")), (NOT, P("not this")))),
    ('"a b"~2', B((SHOULD, P("a b")), (SHOULD, T("~2")))),
    ('foo"bar baz"qux', B((SHOULD, T("foo")), (SHOULD, P("bar baz")), (SHOULD, T("qux")))),
    ('"water quality', B((SHOULD, T("water")), (SHOULD, T("quality")))),  # odd quotes dropped
    ('a "b" "c', B((SHOULD, T("a")), (SHOULD, T("b")), (SHOULD, T("c")))),
    ("a - b + c", B((SHOULD, T("a")), (SHOULD, T("b")), (SHOULD, T("c")))),
    ("--a ++b +-c", B((SHOULD, T("a")), (SHOULD, T("b")), (SHOULD, T("c")))),
    ("foo-bar -1 a+", B((SHOULD, T("foo-bar")), (NOT, T("1")), (SHOULD, T("a+")))),
    ('x "" " " +""', B((SHOULD, T("x")))),
    ("+ -", B()),
    ('"', B()),
])
def test_dismax(text, expected):
    assert parse_dismax(text) == expected


def test_dismax_blank_is_match_all():
    assert parse_dismax("") == MatchAll()
    assert parse_dismax("   ") == MatchAll()


def test_dismax_truncates_at_the_clause_limit():
    query = parse_dismax(" ".join(f"w{index}" for index in range(MAX_CLAUSES + 50)))
    assert isinstance(query, Boolean)
    assert len(query.clauses) == MAX_CLAUSES
    assert query.clauses[-1] == Clause(SHOULD, T(f"w{MAX_CLAUSES - 1}"))


# ---------------------------------------------------------------------------
# mm
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("spec, counts", [
    # spec: expected result for 0..10 optional clauses
    ("2", [0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2]),
    ("-1", [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    ("-2", [0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]),
    ("75%", [0, 0, 1, 2, 3, 3, 4, 5, 6, 6, 7]),
    ("-25%", [0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8]),
    ("100%", list(range(11))),
    ("0%", [0] * 11),
    ("0", [0] * 11),
    ("3<90%", [0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9]),
    ("2<-1 5<80%", [0, 1, 2, 2, 3, 4, 4, 5, 6, 7, 8]),
    ("2 < -1  5 < 80%", [0, 1, 2, 2, 3, 4, 4, 5, 6, 7, 8]),
    ("2<-25% 9<-3", [0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 7]),
    ("+3", [0, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3]),
    (" 50% ", [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5]),
    ("-200%", [0] * 11),
    (None, list(range(11))),
    ("", list(range(11))),
])
def test_minimum_should_match(spec, counts):
    assert [minimum_should_match(spec, count) for count in range(11)] == counts


@pytest.mark.parametrize("spec", ["abc", "75.5%", "%", "3<", "<3", "2<-1 75%", "1<2<3", "5%%",
                                  "x<50%", "1 2"])
def test_minimum_should_match_invalid(spec):
    error = syntax_error(minimum_should_match, spec, 3)
    assert error.msgid == "Invalid minimum should match (mm) value '{spec}'"
    assert error.params == {"spec": spec}


def test_apply_minimum_should_match():
    query = parse_dismax("a b c d e f -g +h")
    assert apply_minimum_should_match(query, "2<-1 5<80%") == B(
        *[(SHOULD, T(word)) for word in "abcdef"], (NOT, T("g")), (MUST, T("h")), mm=4)
    assert apply_minimum_should_match(query, None).minimum_should_match == 6  # type: ignore
    assert apply_minimum_should_match(parse_dismax("gold"), "2<-1 5<80%") == B(
        (SHOULD, T("gold")), mm=1)
    assert apply_minimum_should_match(MatchAll(), "50%") == MatchAll()
    assert apply_minimum_should_match(T("a"), "50%") == T("a")
    assert apply_minimum_should_match(parse_dismax("+a -b"), "-1") == B(
        (MUST, T("a")), (NOT, T("b")))


# ---------------------------------------------------------------------------
# edismax
# ---------------------------------------------------------------------------
def test_edismax_applies_mm_without_explicit_operators():
    assert parse_edismax("a b c d", "2<-1 5<80%") == B(
        *[(SHOULD, T(word)) for word in "abcd"], mm=3)
    assert parse_edismax("title:a b -c", "100%") == B(
        (SHOULD, T("a", "title")), (SHOULD, T("b")), (NOT, T("c")), mm=2)


def test_edismax_ignores_mm_with_explicit_operators_or_required_clauses():
    assert parse_edismax("a OR b OR c", "100%") == B(
        (SHOULD, T("a")), (SHOULD, T("b")), (SHOULD, T("c")))
    assert parse_edismax("a AND b", "1") == B((MUST, T("a")), (MUST, T("b")))
    assert parse_edismax("+a b c", "100%") == B((MUST, T("a")), (SHOULD, T("b")), (SHOULD, T("c")))
    assert parse_edismax("a b", "100%", MUST) == B((MUST, T("a")), (MUST, T("b")))
    # An operator inside a group is not a top-level operator.
    assert parse_edismax("a (b OR c)", "100%") == B(
        (SHOULD, T("a")), (SHOULD, B((SHOULD, T("b")), (SHOULD, T("c")))), mm=2)


def test_edismax_without_mm_keeps_the_parse():
    assert parse_edismax("a b") == B((SHOULD, T("a")), (SHOULD, T("b")))
    assert parse_edismax("a b", "  ") == B((SHOULD, T("a")), (SHOULD, T("b")))
    assert parse_edismax("*:*", "2<-1 5<80%") == MatchAll()
    assert parse_edismax("", "2<-1 5<80%") == MatchAll()
    assert parse_edismax("gold", "2<-1 5<80%") == T("gold")


def test_edismax_falls_back_to_dismax_on_syntax_errors():
    assert parse_edismax("c++ (unbalanced", "2<-1 5<80%") == B(
        (SHOULD, T("c++")), (SHOULD, T("(unbalanced")), mm=2)
    assert parse_edismax("AND OR") == B((SHOULD, T("AND")), (SHOULD, T("OR")))
    assert parse_edismax('"water quality -x') == B(
        (SHOULD, T("water")), (SHOULD, T("quality")), (NOT, T("x")))
    assert parse_edismax("a (b", None, MUST) == B((MUST, T("a")), (MUST, T("(b")))
    assert parse_edismax("[1 TO 2]") == B((SHOULD, T("[1")), (SHOULD, T("TO")), (SHOULD, T("2]")))


def test_edismax_reraises_complexity_and_bad_mm():
    with pytest.raises(QueryTooComplexError):
        parse_edismax("(" * 100 + "a" + ")" * 100)
    error = syntax_error(parse_edismax, "a b", "lots")
    assert error.msgid == "Invalid minimum should match (mm) value '{spec}'"


# ---------------------------------------------------------------------------
# Function queries
# ---------------------------------------------------------------------------
def sub(*args):
    return Call("sub", tuple(args))


def call(name, *args):
    return Call(name, tuple(args))


F, N = FieldValue, Number

SPATIAL_BF = call(
    "div",
    call("mul",
         call("mul",
              call("max", N(0), sub(call("min", N(5.5), F("maxx")),
                                    call("max", N(4.1), F("minx")))),
              call("max", N(0), sub(call("min", N(44.0), F("maxy")),
                                    call("max", N(43.1), F("miny"))))),
         N(2)),
    call("add", N(1.26), call("mul", sub(F("maxy"), F("miny")), sub(F("maxx"), F("minx")))))


def test_spatial_function_without_spaces():
    text = ("div(mul(mul(max(0,sub(min(5.5,maxx),max(4.1,minx))),max(0,sub(min(44.0,maxy),"
            "max(43.1,miny)))),2),add(1.26,mul(sub(maxy,miny),sub(maxx,minx))))")
    assert parse_function(text) == SPATIAL_BF


SPATIAL_BF_PRETTY = """div(
                   mul(
                   mul(max(0, sub(min(5.5,maxx) , max(4.1,minx))),
                       max(0, sub(min(44.0,maxy) , max(43.1,miny)))
                       ),
                   2),
                   add(1.26, mul(sub(maxy, miny), sub(maxx, minx)))
                )"""


def test_spatial_function_as_ckanext_spatial_formats_it():
    assert parse_function(SPATIAL_BF_PRETTY) == SPATIAL_BF


@pytest.mark.parametrize("text, expected", [
    ("3", N(3.0)),
    ("-1.5", N(-1.5)),
    ("+2", N(2.0)),
    (".5", N(0.5)),
    ("5.", N(5.0)),
    ("1e3", N(1000.0)),
    ("2.5E-2", N(0.025)),
    ("maxx", F("maxx")),
    ("extras.score_2", F("extras.score_2")),
    (" now( ) ", call("now")),
    ("pow(x, 2)", call("pow", F("x"), N(2.0))),
    ("if(gt(a,0),sqrt(a),-1)",
     call("if", call("gt", F("a"), N(0.0)), call("sqrt", F("a")), N(-1.0))),
    ("log (\n10 )", call("log", N(10.0))),
])
def test_functions(text, expected):
    assert parse_function(text) == expected


@pytest.mark.parametrize("text, msgid, params", [
    ("", "Missing function query at position {position}", {"position": 0}),
    ("   ", "Missing function query at position {position}", {"position": 3}),
    ("div(1,2", "Unbalanced parenthesis at position {position}", {"position": 3}),
    ("div(", "Unbalanced parenthesis at position {position}", {"position": 3}),
    ("div(1,", "Unbalanced parenthesis at position {position}", {"position": 3}),
    ("div(1,)", "Missing function argument at position {position}", {"position": 6}),
    ("div(,1)", "Missing function argument at position {position}", {"position": 4}),
    ("div(1,,2)", "Missing function argument at position {position}", {"position": 6}),
    ("div(1 2)", "Unexpected '{token}' at position {position}", {"token": "2", "position": 6}),
    ("div(1))", "Unexpected '{token}' at position {position}", {"token": ")", "position": 6}),
    ("a b", "Unexpected '{token}' at position {position}", {"token": "b", "position": 2}),
    ("2abc", "Unexpected '{token}' at position {position}", {"token": "a", "position": 1}),
    ("(1)", "Unexpected '{token}' at position {position}", {"token": "(", "position": 0}),
    ("f('x')", "Unexpected '{token}' at position {position}", {"token": "'", "position": 2}),
    ("-x", "Unexpected '{token}' at position {position}", {"token": "-", "position": 0}),
    ("1e999", "Invalid number '{number}' at position {position}",
     {"number": "1e999", "position": 0}),
])
def test_function_errors(text, msgid, params):
    error = syntax_error(parse_function, text)
    assert (error.msgid, error.params) == (msgid, params)


def test_function_limits():
    deep = "f(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH
    assert isinstance(parse_function(deep), Call)
    error = syntax_error(parse_function, "f(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1))
    assert isinstance(error, QueryTooComplexError)
    error = syntax_error(parse_function, "sum(" + ",".join(["1"] * MAX_CLAUSES) + ")")
    assert isinstance(error, QueryTooComplexError)
    assert error.msgid == "Query is too complex: more than {limit} clauses"


# ---------------------------------------------------------------------------
# Filters and local parameters
# ---------------------------------------------------------------------------
def test_frange_from_ckanext_spatial():
    assert parse_filter("{!frange incl=false l=0 u=1}" + SPATIAL_BF_PRETTY) == FunctionRange(
        SPATIAL_BF, 0.0, 1.0, include_lower=False, include_upper=True)


@pytest.mark.parametrize("text, expected", [
    ("{!frange l=0 u=1}x", FunctionRange(F("x"), 0.0, 1.0, True, True)),
    ("  {!frange l=0.5}x", FunctionRange(F("x"), 0.5, None)),
    ("{!frange u=-2e1}x", FunctionRange(F("x"), None, -20.0)),
    ("{!frange}x", FunctionRange(F("x"), None, None)),
    ("{!frange l='1' u=\"2\" incl=off incu=no}x", FunctionRange(F("x"), 1.0, 2.0, False, False)),
    ("{!frange incl=TRUE incu=yes}x", FunctionRange(F("x"), None, None, True, True)),
    ("{!type=frange l=0 cache=false cost=200 tag=spatial}x", FunctionRange(F("x"), 0.0, None)),
    ("{!frange l=0 v='div(a,2)'}", FunctionRange(call("div", F("a"), N(2.0)), 0.0, None)),
])
def test_frange(text, expected):
    assert parse_filter(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("{!lucene}+state:active", T("active", "state")),
    ("{!type=lucene}a b", B((SHOULD, T("a")), (SHOULD, T("b")))),
    ("{!}a", T("a")),
    ("{!lucene q.op=AND}a b", B((MUST, T("a")), (MUST, T("b")))),
    ("{!lucene q.op=or}a b", B((SHOULD, T("a")), (SHOULD, T("b")))),
    ("{!lucene df=title}a other:b [1 TO 2] *", B(
        (SHOULD, T("a", "title")), (SHOULD, T("b", "other")),
        (SHOULD, Range("title", "1", "2")), (SHOULD, Exists("title")))),
    ("{!lucene}", MatchAll()),
    ("{!lucene v='x:y'}", T("y", "x")),
])
def test_lucene_local_params(text, expected):
    assert parse_filter(text) == expected


def test_lucene_local_params_default_operator_from_the_caller():
    assert parse_filter("{!lucene}a b", MUST) == B((MUST, T("a")), (MUST, T("b")))
    assert parse_filter("a b", MUST) == B((MUST, T("a")), (MUST, T("b")))


@pytest.mark.parametrize("text, msgid, params", [
    ("{!geofilt sfield=x}", "Unsupported query parser '{parser}'", {"parser": "geofilt"}),
    ("{!type=dismax}a", "Unsupported query parser '{parser}'", {"parser": "dismax"}),
    ("{!frange l=0", "Unterminated local parameters starting at position {position}",
     {"position": 0}),
    ("  {!frange l='0}x", "Unterminated quoted value starting at position {position}",
     {"position": 13}),
    ("{!=x}y", "Invalid local parameters at position {position}", {"position": 2}),
    ("{! frange  l = 0 }x", "Invalid local parameters at position {position}", {"position": 13}),
    ("{!frange l=abc}x", "Invalid number '{value}' for local parameter '{name}'",
     {"value": "abc", "name": "l"}),
    ("{!frange u=nan}x", "Invalid number '{value}' for local parameter '{name}'",
     {"value": "nan", "name": "u"}),
    ("{!frange incl=maybe}x", "Invalid boolean '{value}' for local parameter '{name}'",
     {"value": "maybe", "name": "incl"}),
    ("{!frange l=0}", "Missing function query at position {position}", {"position": 13}),
    ("{!frange l=0} div(1", "Unbalanced parenthesis at position {position}", {"position": 17}),
    ("{!lucene}(a", "Unbalanced parenthesis at position {position}", {"position": 9}),
    ("{!lucene} a AND", "Missing term after '{operator}' at position {position}",
     {"operator": "AND", "position": 12}),
    ("{!lucene q.op=XOR}a", "Invalid q.op value '{value}'", {"value": "XOR"}),
])
def test_filter_errors(text, msgid, params):
    error = syntax_error(parse_filter, text)
    assert (error.msgid, error.params) == (msgid, params)


def test_filter_without_local_params_is_lucene():
    assert parse_filter("+site_id:\"default\" +state:active") == B(
        (MUST, P("default", "site_id")), (MUST, T("active", "state")))
    # A "{" that is not "{!" is an exclusive range start, as in Lucene.
    assert parse_filter("x:{1 TO 2}") == Range("x", "1", "2", False, False)

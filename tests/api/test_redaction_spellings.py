"""Every JSON and URL spelling of a secret is masked: a property test over secrets holding
quotes, backslashes, control characters, non-ASCII letters and emoji (surrogate pairs when
`\\u`-escaped), in every spelling a server may quote a request back in."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote, quote_plus

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cobalt_sync.redact import MASK, Redactor

# The characters that make spellings differ, plus plain ones.
TRICKY = [*'"\\/\n\t é€ß😀🔑中', "\u2028", "\x7f"]
secrets = st.text(
    alphabet=st.sampled_from(TRICKY) | st.characters(codec="utf-8", categories=["L", "N", "P"]),
    min_size=4,
    max_size=24,
)


def u_escaped(secret: str, upper: bool = False) -> str:
    """Every character `\\u`-escaped, astral ones as a surrogate pair."""
    units = secret.encode("utf-16-be")
    spelled = "".join(f"\\u{units[i:i + 2].hex()}" for i in range(0, len(units), 2))
    return spelled.upper().replace("\\U", "\\u") if upper else spelled


def json_inner(secret: str, ascii_only: bool) -> str:
    return json.dumps(secret, ensure_ascii=ascii_only)[1:-1]


SPELLINGS: dict[str, Callable[[str], str]] = {
    "as is": lambda s: s,
    "JSON, ASCII-escaped": lambda s: json_inner(s, True),
    "JSON, raw UTF-8 (only quotes, backslashes, controls escaped)": lambda s: json_inner(s, False),
    "JSON twice, ASCII": lambda s: json_inner(json.dumps(s), True),
    "JSON twice, raw UTF-8": lambda s: json_inner(json.dumps(s, ensure_ascii=False), False),
    "JSON raw inside JSON ASCII": lambda s: json_inner(json.dumps(s, ensure_ascii=False), True),
    "every character \\u-escaped": u_escaped,
    "every character \\u-escaped, upper-case hex": lambda s: u_escaped(s, upper=True),
    "URL-encoded": lambda s: quote(s, safe=""),
    "URL-encoded, lower-case hex": lambda s: quote(s, safe="").lower()
    if s.lower() == s
    else quote(s, safe=""),
    "form-encoded": quote_plus,
}

CONTEXTS = (
    "{spelled}",
    'error 400: {{"message": "bad header value {spelled}", "body": "x"}}',
    "echo body={{\"webhook_headers\": {{\"X\": \"{spelled}\"}}}} end",
    "GET /path?value={spelled}&next=1",
)


@settings(max_examples=300, deadline=None)
@given(
    secret=secrets,
    spelling=st.sampled_from(sorted(SPELLINGS)),
    context=st.sampled_from(CONTEXTS),
)
def test_every_spelling_of_a_secret_is_masked(secret: str, spelling: str, context: str) -> None:
    assume(secret not in MASK and secret.strip("[]") == secret)
    redactor = Redactor()
    redactor.add(secret)
    spelled = SPELLINGS[spelling](secret)
    text = context.format(spelled=spelled)
    redacted = redactor.redact(text)
    assert spelled not in redacted, (spelling, redacted)
    assert secret not in redacted
    assert MASK in redacted


def test_the_issue_s_canary_is_masked_as_a_server_quotes_it_back() -> None:
    """`CANARY"é-222` as a client sending UTF-8 as is writes it, quoted back inside a JSON
    error message: the spelling the old redactor missed."""
    redactor = Redactor()
    redactor.add('CANARY"é-222')
    echoed = json.dumps({"message": 'body={"value": "CANARY\\"é-222"}'}, ensure_ascii=False)
    assert 'CANARY\\"é-222' in json.loads(echoed)["message"]
    assert "CANARY" not in redactor.redact(json.loads(echoed)["message"])
    assert "CANARY" not in redactor.redact(echoed)


def test_ordinary_text_is_left_alone() -> None:
    redactor = Redactor()
    redactor.add('p"ss\\wörd')
    text = 'a plain line: p ss wörd, %70 and \\u0070 alone, "quoted"'
    assert redactor.redact(text) == text

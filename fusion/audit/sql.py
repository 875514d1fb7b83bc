"""SQL (PostgreSQL) expressions for audit entries written by INSERT … SELECT: the text of an
audited field's value and auditlog's `changes`, equal to what fusion.audit computes in Python.

A value's text is the one `fusion.audit._as_text` gives for the value as Django reads it from
the database. Floats (also in JSON) are rendered from PostgreSQL's shortest round-trip text,
which needs `extra_float_digits = 1` (the default): run FLOAT_TEXT_SETTING in the same
transaction first. The expressions hold no placeholders and no percent sign, so they can be
embedded in SQL executed with parameters. They are plain expressions and small subqueries,
cheap enough for the planner to leave JIT compilation off for statements of thousands of rows.
"""

from django.conf import settings
from django.db import connection, models

from fusion.audit.fields import REDACTED, audited_fields

# Floats are rendered from PostgreSQL's shortest round-trip text, which it only prints with
# extra_float_digits = 1 (with 0 or less it rounds to 15 digits).
FLOAT_TEXT_SETTING = "SET LOCAL extra_float_digits = 1"

# jsonb_build_object takes at most 100 arguments.
_PAIRS_PER_CALL = 50

_AS_TEXT = (
    models.UUIDField,
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.CharField,
    models.TextField,
    models.SlugField,
    models.EmailField,
)
_STRINGS = (models.CharField, models.TextField, models.SlugField, models.EmailField)

# Raised by the statement (a cast that fails with this text) for JSON holding an object.
_NO_OBJECTS = "fusion.audit.sql renders no JSON object (jsonb orders keys otherwise)"


def text_sql(field: models.Field, column_ref: str) -> str:
    """An SQL text expression for the value of `field` in column `column_ref`: the text
    `_as_text` gives for it ('None' for NULL; 'null' for a JSON field, as json.dumps gives).

    Foreign keys render their stored id (or slug), as auditlog does. Raises TypeError for a
    field type whose text is not reproduced here, subclasses included (an encrypted text
    field stores ciphertext, not the text Python sees). JSON values made of arrays,
    strings, numbers, booleans and null are rendered; the statement fails on a JSON object
    (PostgreSQL orders its keys by length first, json.dumps by code point)."""
    target = _stored_field(field)
    kind = type(target)
    if kind in _AS_TEXT:
        return f"coalesce(({column_ref})::text, 'None')"
    if kind is models.BooleanField:
        return (
            f"(CASE WHEN ({column_ref}) THEN 'True' WHEN NOT ({column_ref}) THEN 'False'"
            " ELSE 'None' END)"
        )
    if kind is models.FloatField:
        return _float_sql(column_ref, "'None'")
    if kind is models.DateTimeField and settings.USE_TZ:
        return _datetime_sql(column_ref)
    if kind is models.JSONField and target.encoder is None and target.decoder is None:
        return _json_sql(column_ref)
    owner = getattr(field, "model", None)
    name = f"{owner.__name__}.{field.name}" if owner else field.name
    raise TypeError(
        f"{name}: no SQL text for {kind.__name__} (supported: UUID, integers, char/text, "
        "boolean, float, datetime with USE_TZ, JSON without encoder/decoder)"
    )


def _float_sql(ref: str, null_text: str) -> str:
    """repr() of a double. PostgreSQL prints the same shortest digits, but integral values
    without '.0' (zeros as '0', '-0'), exponents from 1e15 (Python from 1e16), special
    values as 'NaN' or 'Infinity', and from 2**54 on it may print more digits."""
    digits = f"replace(split_part(abs({ref})::text, 'e', 1), '.', '')"
    return (
        f"(CASE WHEN ({ref}) IS NULL THEN {null_text}"
        f" WHEN ({ref}) = 'NaN'::float8 THEN 'nan'"
        f" WHEN ({ref}) = 'Infinity'::float8 THEN 'inf'"
        f" WHEN ({ref}) = '-Infinity'::float8 THEN '-inf'"
        f" WHEN abs({ref}) >= 18014398509481984::float8"
        f" THEN CASE WHEN ({ref}) < 0 THEN '-' ELSE '' END || {_beyond_2_54(f'abs({ref})')}"
        f" WHEN abs({ref}) >= 1e15::float8 AND abs({ref}) < 1e16::float8"
        f" THEN CASE WHEN ({ref}) < 0 THEN '-' ELSE '' END || rpad({digits}, 16, '0')"
        f" || '.' || coalesce(nullif(substr({digits}, 17, 1), ''), '0')"
        f" WHEN abs({ref}) < 1e15::float8 AND ({ref}) = trunc({ref}) THEN ({ref})::text || '.0'"
        f" ELSE ({ref})::text END)"
    )


def _beyond_2_54(ref: str) -> str:
    """repr() of a positive double from 2**54 on (both print an exponent there).

    PostgreSQL prints the shortest digits strictly inside the interval of numbers that read
    back as the value; Python's digits may be a bound of it, which reads back as the value
    by round-half-even when its significand is even: 1e+23, where PostgreSQL prints
    9.999999999999999e+22. Only from 2**54 on is a bound that short (17 digits or fewer),
    and then only one bound can be shorter than PostgreSQL's digits. With the value as
    m * 2**(p - 52) (2**52 <= m < 2**53) the bounds are exact integers in numeric."""

    def sci(integer: str) -> str:
        kept = f"rtrim({integer}, '0')"
        return (
            f"left({kept}, 1) || CASE WHEN length({kept}) > 1 THEN '.' || substr({kept}, 2)"
            f" ELSE '' END || 'e+' || (length({integer}) - 1)"
        )

    def shorter(integer: str) -> str:
        return f"mod(b.m, 2) = 0 AND length(rtrim({integer}, '0')) < b.digits"

    # the lower bound below a power of two (m = 2**52) is half as far
    low = (
        "round(CASE WHEN s.m = 4503599627370496 THEN (4 * s.m - 1) * 2::numeric ^ (s.p - 54)"
        " ELSE (2 * s.m - 1) * 2::numeric ^ (s.p - 53) END)::text"
    )
    high = "round((2 * s.m + 1) * 2::numeric ^ (s.p - 53))::text"
    return (
        f"(SELECT CASE WHEN {shorter('b.low')} THEN {sci('b.low')}"  # noqa: S608
        f" WHEN {shorter('b.high')} THEN {sci('b.high')} ELSE b.shown END FROM ("
        f"SELECT s.m, {low} AS low, {high} AS high, s.v::text AS shown,"
        " length(replace(split_part(s.v::text, 'e', 1), '.', '')) AS digits FROM ("
        "SELECT (x.v * 2::float8 ^ (52 - x.p))::bigint AS m, x.p, x.v FROM ("
        "SELECT l.v, l.p + CASE WHEN l.v * 2::float8 ^ (-l.p) >= 2 THEN 1"
        " WHEN l.v * 2::float8 ^ (-l.p) < 1 THEN -1 ELSE 0 END AS p FROM ("
        f"SELECT ({ref}) AS v, floor(ln({ref}) / ln(2::float8))::int AS p OFFSET 0) AS l"
        " OFFSET 0) AS x OFFSET 0) AS s OFFSET 0) AS b)"
    )


def _datetime_sql(ref: str) -> str:
    """str() of the UTC-naive datetime: microseconds only when there are any."""
    utc = f"(({ref}) AT TIME ZONE 'UTC')"
    return (
        f"(CASE WHEN ({ref}) IS NULL THEN 'None'"
        f" ELSE to_char({utc}, 'YYYY-MM-DD HH24:MI:SS')"
        f" || CASE WHEN date_trunc('second', {utc}) = {utc} THEN '' ELSE to_char({utc}, '.US') END"
        " END)"
    )


def _json_sql(ref: str) -> str:
    """json.dumps(value, sort_keys=True) of a jsonb value without objects ('null' for NULL).

    jsonb::text has json.dumps' separators and escapes for ASCII. A number with a point is
    a float to Python, printed by repr(); characters outside printable ASCII are escaped
    as ensure_ascii escapes them. Both are done per token, only for values needing them."""
    objects = f"""jsonb_path_exists({ref}, 'strict $.** ? (@.type() == "object")')"""
    return (
        f"(CASE WHEN ({ref}) IS NULL THEN 'null'"  # noqa: S608
        f" WHEN {objects} THEN ('{_NO_OBJECTS}' || left(({ref})::text, 0))::int::text"
        f" ELSE (SELECT {_ascii_escaped(_python_numbers('j.t'))}"
        f" FROM (SELECT ({ref})::text AS t OFFSET 0) AS j) END)"
    )


def _python_numbers(text: str) -> str:
    """JSON text with every number that has a point (a float to json.loads) as repr()."""
    lexeme = r"""'"(?:[^"\\]|\\.)*"|-?[0-9][-+.eE0-9]*|[^"0-9-]+'"""
    number = _float_sql("t.m[1]::float8", "NULL")
    return (
        rf"(CASE WHEN {text} !~ '[0-9]\.' THEN {text} ELSE (SELECT string_agg("  # noqa: S608
        r"CASE WHEN t.m[1] ~ '^-?[0-9]' AND strpos(t.m[1], '.') > 0"
        f" THEN {number} ELSE t.m[1] END, '' ORDER BY t.i)"
        f" FROM regexp_matches({text}, {lexeme}, 'g') WITH ORDINALITY AS t(m, i)) END)"
    )


def _ascii_escaped(text: str) -> str:
    """`text` with every character outside printable ASCII written as \\uXXXX (a surrogate
    pair above U+FFFF), in lower-case hex, as json.dumps' ensure_ascii writes it."""
    code = "ascii(u.ch)"
    high = f"to_hex(55296 + (({code} - 65536) >> 10))"
    low = f"to_hex(56320 + (({code} - 65536) & 1023))"
    return (
        f"(SELECT CASE WHEN octet_length(a.t) = char_length(a.t) AND strpos(a.t, chr(127)) = 0"  # noqa: S608
        " THEN a.t ELSE (SELECT string_agg(CASE WHEN "
        f"{code} BETWEEN 32 AND 126 THEN u.ch WHEN {code} < 65536"
        f" THEN '\\u' || lpad(to_hex({code}), 4, '0') ELSE '\\u' || {high} || '\\u' || {low} END,"
        " '' ORDER BY u.i) FROM unnest(string_to_array(a.t, NULL)) WITH ORDINALITY AS u(ch, i))"
        f" END FROM (SELECT {text} AS t OFFSET 0) AS a)"
    )


def _stored_field(field: models.Field) -> models.Field:
    """The field whose value the column holds (a foreign key's target field)."""
    while field.is_relation:
        field = field.target_field
    return field


def _changed_sql(field: models.Field, old: str, new: str) -> str:
    """An SQL condition: the texts of the two values differ (also when one is NULL)."""
    kind = type(_stored_field(field))
    if kind in _STRINGS:
        return f'({old}) COLLATE "C" IS DISTINCT FROM ({new}) COLLATE "C"'
    if kind is models.FloatField:  # 0.0 = -0.0, but their texts differ
        return (
            f"(({old}) IS DISTINCT FROM ({new})"
            f" OR (({old}) = 0 AND ({new}) = 0 AND ({old})::text <> ({new})::text))"
        )
    return f"({old}) IS DISTINCT FROM ({new})"


def changes_sql(model: type[models.Model], new: str, old: str, *, is_create: str) -> str:
    """An SQL jsonb expression for auditlog's `changes` of a row of `model`: its columns under
    table alias `new` as written, under `old` as they were. When the SQL boolean `is_create`
    holds, every audited field is ["None", text]; otherwise only fields whose text differs
    are listed, as [old text, new text]. Fields and masks follow the model's auditlog
    registration, as `fusion.audit.log_bulk` does (a masked field is '[redacted]' on both
    sides, so it is listed on create only)."""
    fields, masked = audited_fields(model)
    quote = connection.ops.quote_name
    created, updated = [], []
    for field in fields:
        name = "'" + field.name.replace("'", "''") + "'"
        if field.name in masked:
            created.append((name, f"jsonb_build_array('None', '{REDACTED}')"))
            continue
        new_ref, old_ref = f"{new}.{quote(field.column)}", f"{old}.{quote(field.column)}"
        new_text, old_text = text_sql(field, new_ref), text_sql(field, old_ref)
        created.append((name, f"jsonb_build_array('None', {new_text})"))
        if isinstance(field, models.JSONField):
            # The same stored text renders the same; otherwise render both once, compare.
            pair = (
                f"CASE WHEN ({old_ref})::text IS NOT DISTINCT FROM ({new_ref})::text THEN NULL"  # noqa: S608
                " ELSE (SELECT CASE WHEN p.a <> p.b THEN jsonb_build_array(p.a, p.b) END"
                f" FROM (SELECT {old_text} AS a, {new_text} AS b OFFSET 0) AS p) END"
            )
        else:
            changed = _changed_sql(field, old_ref, new_ref)
            pair = f"CASE WHEN {changed} THEN jsonb_build_array({old_text}, {new_text}) END"
        updated.append((name, pair))
    return (
        f"(CASE WHEN {is_create} THEN {_object_sql(created)}"
        f" ELSE jsonb_strip_nulls({_object_sql(updated)}) END)"
    )


def _object_sql(pairs: list[tuple[str, str]]) -> str:
    """jsonb_build_object over (key, value) SQL pairs, in calls of at most 100 arguments."""
    calls = [
        "jsonb_build_object("
        + ", ".join(f"{key}, {value}" for key, value in pairs[i : i + _PAIRS_PER_CALL])
        + ")"
        for i in range(0, len(pairs), _PAIRS_PER_CALL)
    ]
    return " || ".join(calls) if calls else "'{}'::jsonb"

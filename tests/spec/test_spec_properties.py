"""Property: random mutations of valid products never crash the loader, only give located errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_support import PRODUCTS, SAMPLE_CODES, dump, sample_data, sample_library

from loanfactory.document import load_document
from loanfactory.errors import Diagnostic
from loanfactory.spec import load_product_text

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**40),
    st.sampled_from([Decimal("1E+40"), Decimal("-1E-40"), Decimal("123456789012345678901234567890.5")]),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**6), max_value=10**6),
    st.text(max_size=12),
    st.sampled_from(
        [
            "no",
            "yes",
            "off",
            "4.9%",
            "85bp",
            "-30bp",
            "annuity",
            "monthly",
            "use",
            "extends",
            "1y",
            "5y+",
            "fixed",
            "floating",
            "retail_base",
            "standard_penalty",
            "null",
            "~",
        ]
    ),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["use", "type", "min", "max", "id", "kind", "annual", "x"]), inner, max_size=3
        ),
    ),
    max_leaves=6,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((*prefix, key))
            out.extend(paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append((*prefix, i))
            out.extend(paths(value, (*prefix, i)))
    return out


def parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def typo(key: str, position: int) -> str:
    if not key:
        return "x"
    i = position % len(key)
    return key[:i] + key[i + 1 :] if len(key) > 2 else key + "x"


@st.composite
def mutated_data(draw: st.DrawFn) -> dict[str, Any]:
    data = sample_data(draw(st.sampled_from(SAMPLE_CODES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        found = paths(data)
        if not found:
            break
        path = draw(st.sampled_from(found))
        holder = parent(data, path)
        action = draw(st.sampled_from(["delete", "rename", "replace", "wrap"]))
        key = path[-1]
        if action == "delete":
            del holder[key]
        elif action == "rename" and isinstance(holder, dict):
            holder[typo(str(key), draw(st.integers(0, 50)))] = holder.pop(key)
        elif action == "wrap":
            holder[key] = [holder[key]] if not isinstance(holder[key], list) else {"use": holder[key]}
        else:
            holder[key] = draw(values)
    return data


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    code = draw(st.sampled_from(SAMPLE_CODES))
    lines = (PRODUCTS / f"{code}.yaml").read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        edit = draw(st.sampled_from(["delete", "indent", "dedent", "insert", "duplicate", "truncate"]))
        if edit == "delete":
            del lines[i]
        elif edit == "indent":
            lines[i] = "   " + lines[i]
        elif edit == "dedent":
            lines[i] = lines[i].lstrip()
        elif edit == "duplicate":
            lines.insert(i, lines[i])
        elif edit == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, max(0, len(lines[i]))))]
        else:
            junk = draw(
                st.sampled_from(
                    [
                        ": ",
                        "- ",
                        "[",
                        "]",
                        "{",
                        "&a ",
                        "*a",
                        "!!str ",
                        "\t",
                        "'",
                        '"',
                        "#",
                        "<<: *a",
                        "? ",
                        "|",
                        ">",
                        "%",
                        "@",
                        "`",
                        "\\",
                        "个人",
                    ]
                )
            )
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + junk + lines[i][at:]
        if not lines:
            break
    return "\n".join(lines) + "\n"


def assert_located(text: str, diagnostics: list[Diagnostic]) -> None:
    document, _ = load_document(text, file="m.yaml")
    for d in diagnostics:
        assert d.file, d
        assert d.code, d
        assert d.message, d
        assert d.message_zh, d
        if document is not None:
            assert d.line is not None, d.format()
            assert d.column is not None, d.format()


@PROPERTY
@given(mutated_data())
def test_mutated_products_give_located_errors(data: dict[str, Any]) -> None:
    text = dump(data)
    spec, diagnostics = load_product_text(text, file="m.yaml", library=sample_library())
    assert spec is not None or any(d.severity == "error" for d in diagnostics)
    assert_located(text, diagnostics)


@PROPERTY
@given(mutated_text())
def test_yaml_breaking_edits_give_located_errors(text: str) -> None:
    spec, diagnostics = load_product_text(text, file="m.yaml", library=sample_library())
    assert spec is not None or any(d.severity == "error" for d in diagnostics)
    assert_located(text, diagnostics)


@PROPERTY
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text: str) -> None:
    spec, diagnostics = load_product_text(text, file="m.yaml", library=sample_library())
    assert spec is None
    assert diagnostics
    assert all(d.file for d in diagnostics)


def test_decimal_values_survive_the_dump() -> None:
    assert "annual: 0.045" in dump({"annual": Decimal("0.045")})

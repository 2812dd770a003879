"""Rule files: located errors, did-you-mean on keys and fields, tables' overlaps and gaps."""

from __future__ import annotations

from pathlib import Path

from loanfactory.document import load_document
from loanfactory.rules import load_rule_document, parse_definition

from .conftest import errors, load_text

TYPO = """kind: rules
definitions:
  - id: t
    purpose: eligibility
    rules:
      - id: r
        when: "18 <= applicant.aeg"
        then: {reject: X}
"""


def test_unknown_field_is_located_with_did_you_mean(tmp_path: Path) -> None:
    lib, problems = load_text(TYPO, tmp_path)
    assert lib is None
    (d,) = errors(problems)
    assert (d.code, d.line, d.column) == ("unknown-field", 7, 32)  # at "aeg", inside the quotes
    assert d.hint == "did you mean 'age'?"
    assert d.file is not None
    assert d.file.endswith("rules.yaml")


def test_plain_scalar_column(tmp_path: Path) -> None:
    _lib, problems = load_text(TYPO.replace('"18 <= applicant.aeg"', "applicant.aeg >= 18"), tmp_path)
    (d,) = errors(problems)
    assert (d.line, d.column) == (7, 25)


def test_unknown_keys_get_did_you_mean() -> None:
    text = TYPO.replace("purpose: eligibility", "purpose: eligibilty").replace("then:", "thn:")
    _, problems = load_text(text)
    found = {(d.code, d.hint) for d in errors(problems)}
    assert ("bad-purpose", "did you mean 'eligibility'?") in found
    assert ("unknown-key", "did you mean 'then'?") in found


def test_every_error_of_a_file_is_reported() -> None:
    text = """kind: rules
definitions:
  - id: a
    purpose: eligibility
    rules:
      - {id: r1, when: "applicant.x > 1", then: {reject: A}}
      - {id: r2, when: "bureau.y > 1", then: {reject: B}}
  - id: b
    purpose: pricing
    hit_policy: FIRTS
    inputs: [vars.grade]
    outputs: [x]
    rows: [[A, 1]]
"""
    _, problems = load_text(text)
    codes = [d.code for d in errors(problems)]
    assert codes.count("unknown-field") == 2
    assert "bad-hit-policy" in codes


UNIQUE = """kind: rules
definitions:
  - id: t
    purpose: scoring
    hit_policy: UNIQUE
    inputs: [bureau.credit_score]
    outputs: [grade]
    rows:
      - ["[700..800]", A]
      - ["[650..700]", B]
      - ["[500..600)", C]
"""


def test_unique_overlap_is_an_error_and_gaps_a_warning() -> None:
    lib, problems = load_text(UNIQUE)
    overlap = [d for d in problems if d.code == "table-overlap"]
    gaps = [d for d in problems if d.code == "table-gap"]
    assert lib is None
    assert len(overlap) == 1
    assert "r1 and r2" in overlap[0].message
    assert "= 700" in overlap[0].message
    assert gaps
    assert gaps[0].severity == "warning"
    assert "= 600" in gaps[0].message


def test_shadowed_first_row_is_reported() -> None:
    text = UNIQUE.replace("UNIQUE", "FIRST").replace('"[650..700]"', '"[710..720]"')
    lib, problems = load_text(text)
    assert lib is not None
    assert any(d.code == "table-unreachable" and "r2" in d.message for d in problems)


def test_parse_definition_inline(tmp_path: Path) -> None:
    path = tmp_path / "product.yaml"
    path.write_text(
        "code: x\nrules:\n  eligibility:\n    id: inline\n    rules:\n"
        "      - {id: a, when: 'applicant.age < 18', then: {reject: YOUNG}}\n",
        encoding="utf-8",
    )
    document, _ = load_document(path)
    assert document is not None
    definition, problems = parse_definition(
        document.data["rules"]["eligibility"], document, ("rules", "eligibility")
    )
    assert definition is not None, problems
    assert definition.id == "inline"
    bad = {"id": "b", "rules": [{"id": "a", "when": "applicant.agee < 18", "then": {"reject": "Y"}}]}
    document.data["rules"]["eligibility"] = bad
    definition, problems = parse_definition(bad, document, ("rules", "eligibility"))
    assert definition is None
    assert errors(problems)[0].code == "unknown-field"


def test_not_a_rule_file() -> None:
    document, _ = load_document("- 1\n- 2\n", file="x.yaml")
    assert document is not None
    lib, problems = load_rule_document(document)
    assert lib is None
    assert problems[0].code == "wrong-type"

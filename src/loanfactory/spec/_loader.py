"""Loading product files into :class:`~loanfactory.spec._product.ProductSpec`, errors as values.

::

    spec, diagnostics = load_product(Path("products/consumer_credit.yaml"))
    if spec is None:
        for d in diagnostics:
            print(d.format())      # products/consumer_credit.yaml:12:3: error[unknown-key] ...

Nothing here raises for bad input: a file that cannot be read, is not YAML, is not a product,
extends a template that does not exist, or breaks a rule of the product language gives located
diagnostics (English and Chinese). A spec comes back only when no diagnostic is an error;
warnings may come with it. ``load_product_or_raise`` is the variant that raises
:class:`~loanfactory.errors.SpecError` for callers who prefer exceptions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from loanfactory.document import Document, load_document
from loanfactory.errors import Diagnostic, SpecError
from loanfactory.spec._product import ProductSpec
from loanfactory.spec._reading import unread
from loanfactory.spec._templates import Library
from loanfactory.spec._validate import explained, placed, section_problems, validate_model

KINDS_HERE = ("product", "template", "fragment")


def load_product(
    path: Path | str, *, library: Library | None = None
) -> tuple[ProductSpec | None, list[Diagnostic]]:
    """Load one product file; templates and fragments come from ``library``.

    Without a library, ids in ``extends:`` and ``use:`` are looked up in the product's folder and
    its sub-folders (file paths in ``extends:`` always work).
    """
    path = Path(path)
    document, problems = load_document(path)
    if document is None:
        return None, problems
    if library is None:
        library = Library(search=[path.parent])
    spec, more = product_from_document(document, library)
    return spec, [*problems, *more]


def load_product_text(
    text: str, *, file: str = "<string>", library: Library | None = None
) -> tuple[ProductSpec | None, list[Diagnostic]]:
    """Load a product from YAML text (``file`` names it in diagnostics)."""
    document, problems = load_document(text, file=file)
    if document is None:
        return None, problems
    spec, more = product_from_document(document, library or Library())
    return spec, [*problems, *more]


def load_product_or_raise(path: Path | str, *, library: Library | None = None) -> ProductSpec:
    """Like :func:`load_product`, but raises :class:`SpecError` listing every error."""
    spec, diagnostics = load_product(path, library=library)
    if spec is None:
        raise SpecError(diagnostics=tuple(d for d in diagnostics if d.severity == "error"))
    return spec


def product_from_document(
    document: Document, library: Library
) -> tuple[ProductSpec | None, list[Diagnostic]]:
    """Validate a parsed document as a product: resolve templates and fragments, then check it."""
    spec, diagnostics, _ = check_product(document, library)
    return spec, diagnostics


def check_product(
    document: Document, library: Library
) -> tuple[ProductSpec | None, list[Diagnostic], Document | None]:
    """Like :func:`product_from_document`, also returning the merged document (for positions)."""
    data = document.data
    if not isinstance(data, dict):
        return None, [_not_a_mapping(document)], None
    kind = data.get("kind", "product")
    if kind != "product":
        return (
            None,
            [
                document.diagnostic(
                    ("kind",),
                    "wrong-kind",
                    f"expected a product file, found kind: {kind}",
                    message_zh=f"应为产品文件，实际为 kind: {kind}",
                )
            ],
            None,
        )
    located, diagnostics = library.resolve(document)
    if located is None:
        return None, diagnostics, None
    spec, more = validate_product(located.data, located)
    return spec, [*diagnostics, *more], located


def validate_product(data: Any, document: Document) -> tuple[ProductSpec | None, list[Diagnostic]]:
    """Validate merged product data; errors are placed with ``document``'s positions."""
    try:
        spec = ProductSpec.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        diagnostics = explained(errors, ProductSpec, document)
        failed = {str(e["loc"][0]) for e in errors if e["loc"]}
        if isinstance(data, dict):
            diagnostics.extend(section_problems(ProductSpec, data, failed, document))
        return None, diagnostics
    except Exception:  # a validator's bug: validate_model turns it into a located diagnostic
        return validate_model(ProductSpec, data, document)
    diagnostics = placed([*spec.problems(), *unread(spec)], document)
    if any(d.severity == "error" for d in diagnostics):
        return None, diagnostics
    return spec, diagnostics


def _not_a_mapping(document: Document) -> Diagnostic:
    return document.diagnostic(
        (),
        "not-a-mapping",
        "a product file is a mapping of 'key: value' lines at the top level",
        message_zh="产品文件的顶层应是 '键: 值' 形式的映射",
        hint="start with 'code: my_product' on the first line",
        hint_zh="请以 'code: 产品编码' 开头",
    ).located(document.file, 1, 1)

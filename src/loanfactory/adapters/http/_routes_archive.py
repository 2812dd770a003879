"""Routes: the compliance archive for auditors (合规档案查询).

``GET /v1/archive?loan=…`` (or ``customer=``, ``application=``, ``kind=``, ``since=``, ``until=``)
lists archived records; ``GET /v1/archive/{id}`` returns one file's bytes (checked against its
digest); ``GET /v1/archive/export?loan=…`` returns the loan's complete file as a zip with a
manifest of hashes. Auditors only: reading the archive changes nothing, and nothing here writes.
"""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from loanfactory.adapters.http._deps import call, guard, render
from loanfactory.adapters.http._doc import op
from loanfactory.adapters.http._roles import Principal

router = APIRouter()
Id = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Kind = Annotated[str | None, Query(min_length=1, max_length=40, pattern=r"^[a-z-]+$")]
RecordId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$")]


@router.get(
    "/archive",
    tags=["archive"],
    **op(
        "archive.list",
        "Archived records (合规档案)",
        extra={400: "Name a loan, customer, application or kind"},
    ),
)
async def find(
    request: Request,
    principal: Annotated[Principal, guard("archive.list")],
    loan: Id = None,
    customer: Id = None,
    application: Id = None,
    kind: Kind = None,
    since: date | None = None,
    until: date | None = None,
) -> Response:
    return render(
        await call(
            request,
            "archive_find",
            loan=loan,
            customer=customer,
            application=application,
            kind=kind,
            since=since,
            until=until,
        )
    )


@router.get(
    "/archive/export",
    tags=["archive"],
    **op("archive.export", "A loan's complete file as a zip (档案导出)", extra={404: "Nothing archived"}),
)
async def export(
    request: Request,
    principal: Annotated[Principal, guard("archive.export")],
    loan: Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")],
) -> Response:
    data = await call(request, "archive_export", loan, actor=principal.subject)
    return Response(
        data,
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="loan-{loan}.zip"'},
    )


@router.get(
    "/archive/{record_id}",
    tags=["archive"],
    **op("archive.get", "One archived file (档案文件)", extra={404: "No such record", 409: "Tampered"}),
)
async def content(
    request: Request, record_id: RecordId, principal: Annotated[Principal, guard("archive.get")]
) -> Response:
    media_type, data = await call(request, "archive_content", record_id)
    return Response(data, media_type=media_type)

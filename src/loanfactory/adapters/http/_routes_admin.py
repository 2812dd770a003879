"""Routes: product publication (产品上下架), reports (报表) and notification settings (消息通知设置)."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from loanfactory.adapters.http._deps import call, customer_scope, guard, render
from loanfactory.adapters.http._doc import op
from loanfactory.adapters.http._models import ProductStatusChange
from loanfactory.adapters.http._roles import Principal
from loanfactory.adapters.notify import NotificationPreferences

router = APIRouter()
CodePath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
ReportName = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")]


def _status_route(action: str, status: str, summary: str) -> None:
    operation = f"products.{action}"

    @router.post(
        f"/products/{{code}}/{action}",
        tags=["products"],
        name=operation,
        **op(operation, summary, extra={404: "No such product", 409: "Not allowed from the current status"}),
    )
    async def change(
        request: Request,
        code: CodePath,
        principal: Annotated[Principal, guard(operation)],
        body: ProductStatusChange | None = None,
    ) -> Response:
        reason = body.reason if body else None
        return render(
            await call(request, "set_product_status", code, status, actor=principal.subject, reason=reason)
        )


_status_route("publish", "online", "Publish a product (上线)")
_status_route("pause", "paused", "Pause a product (暂停)")
_status_route("offline", "offline", "Take a product offline (下线)")


def _file_route(suffix: str, summary: str) -> None:
    @router.get(
        f"/reports/{{name}}.{suffix}",
        tags=["reports"],
        name=f"reports.{suffix}",
        response_class=Response,
        **op(f"reports.{suffix}", summary, extra={404: "No such report"}),
    )
    async def report_file(
        request: Request, name: ReportName, principal: Annotated[Principal, guard(f"reports.{suffix}")]
    ) -> Response:
        params = {k: v for k, v in request.query_params.items() if len(k) <= 64 and len(v) <= 200}
        content, media_type = await call(request, "report_file", name, suffix, params)
        headers = (
            {} if suffix == "html" else {"Content-Disposition": f'attachment; filename="{name}.{suffix}"'}
        )
        return Response(content, media_type=media_type, headers=headers)


_file_route("html", "A report as one HTML page with charts (图表报表)")
_file_route("csv", "A report as CSV (导出 CSV)")
_file_route("xlsx", "A report as an Excel workbook (导出 Excel)")


@router.get(
    "/reports/{name}", tags=["reports"], **op("reports.get", "A report (报表)", extra={404: "No such report"})
)
async def report(
    request: Request, name: ReportName, principal: Annotated[Principal, guard("reports.get")]
) -> Response:
    params = {k: v for k, v in request.query_params.items() if len(k) <= 64 and len(v) <= 200}
    return render(await call(request, "report", name, params))


@router.get(
    "/customers/{customer_id}/notification-preferences",
    tags=["notifications"],
    **op("preferences.get", "Notification settings (消息通知设置)"),
)
async def get_preferences(
    request: Request, customer_id: CodePath, principal: Annotated[Principal, guard("preferences.get")]
) -> Response:
    customer = customer_scope(principal, customer_id) or customer_id
    return render(await call(request, "get_preferences", customer))


@router.put(
    "/customers/{customer_id}/notification-preferences",
    tags=["notifications"],
    **op("preferences.put", "Change notification settings"),
)
async def put_preferences(
    request: Request,
    customer_id: CodePath,
    body: NotificationPreferences,
    principal: Annotated[Principal, guard("preferences.put")],
) -> Response:
    customer = customer_scope(principal, customer_id) or customer_id
    return render(await call(request, "set_preferences", customer, body, actor=principal.subject))

"""Sign-ins bound to customers (登录身份绑定): the bank knows the person, we know the customer.

The bank's login service (统一身份认证) keeps passwords and issues tokens naming a subject; a
subject that opens an account here is bound to the new customer in the same transaction as the
registration, so that the next request with a token of that subject acts for that customer. The
id of a :class:`CustomerLogin` is the login key (a digest of issuer and subject, never the raw
subject); one login reaches one customer, and a customer may have several (app, website ...).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from loanfactory.entity import Entity
from loanfactory.origination._values import AwareDatetime

LoginKey = Annotated[str, Field(pattern=r"^[a-z]:[0-9a-f]{16,64}$")]


class CustomerLogin(Entity):
    """One sign-in identity bound to one customer."""

    kind: ClassVar[str] = "customer_login"
    indexes: ClassVar[tuple[str, ...]] = ("customer_id",)

    id: LoginKey
    customer_id: str
    bound_at: AwareDatetime

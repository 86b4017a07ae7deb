"""Package quotes: the price of a package for a number of guests, computed here and never by
the model. Decimal arithmetic, rounded to cents once at the end of each line; the currency is
the property's. Package prices include VAT where the policies say prices do
(``tax.included_in_prices``); otherwise VAT is added as a line of its own."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import select

from domain.sales import LeadKind, Package
from tools.base import ToolContext, ToolError
from tools.reception.context import money, property_rules, show_money
from tools.sales.policy import sales_policy

HUNDRED = Decimal(100)


class QuoteArgs(BaseModel):
    package: str = Field(description="Package code (e.g. WEDDING) or kind (wedding, corporate).")
    guests: int = Field(ge=1, le=5000)
    discount_pct: Decimal = Field(default=Decimal(0), ge=0, le=100)


class PackageQuote(BaseModel):
    package_id: int
    package_code: str
    package_name: str
    description: str | None
    guests: int
    price_per_person: Decimal
    subtotal: Decimal
    discount_pct: Decimal
    discount: Decimal
    tax: Decimal  # added on top only where prices exclude VAT
    total: Decimal
    currency: str
    within_discount_policy: bool
    needs_a_person: bool  # above the hand-off value, or a discount beyond policy
    message: str


def quote_package(ctx: ToolContext, args: QuoteArgs) -> PackageQuote:
    """The price of a package for this many guests (and an optional discount). Read only."""
    rules = property_rules(ctx)
    policy = sales_policy(rules)
    package = find_package(ctx, args.package)
    if not package.min_guests <= args.guests <= package.max_guests:
        raise ToolError(
            f"The {package.name} is for {package.min_guests} to {package.max_guests} guests; "
            f"for {args.guests} our team will prepare a tailored offer."
        )
    subtotal = money(package.price_per_person * args.guests)
    discount = money(subtotal * args.discount_pct / HUNDRED)
    taxed = rules.policy("tax", "included_in_prices") is not True
    tax = money((subtotal - discount) * rules.tax_rate_percent / HUNDRED) if taxed else Decimal(0)
    total = subtotal - discount + tax
    within = args.discount_pct <= policy.max_discount_pct
    shown = show_money(total, rules.currency)
    line = f"{package.name} for {args.guests} guests: {shown}"
    if discount:
        line += f" (after a {args.discount_pct.normalize():f}% discount)"
    return PackageQuote(
        package_id=package.id,
        package_code=package.code,
        package_name=package.name,
        description=package.description,
        guests=args.guests,
        price_per_person=package.price_per_person,
        subtotal=subtotal,
        discount_pct=args.discount_pct,
        discount=discount,
        tax=tax,
        total=total,
        currency=rules.currency,
        within_discount_policy=within,
        needs_a_person=total > policy.handoff_above or not within,
        message=f"{line}, VAT included.",
    )


def find_package(ctx: ToolContext, wanted: str) -> Package:
    """An active package by code, else by kind (``wedding`` finds the wedding package)."""
    packages = ctx.session.scalars(
        select(Package).where(Package.active.is_(True)).order_by(Package.id)
    ).all()
    key = wanted.strip().lower()
    for package in packages:
        if package.code.lower() == key:
            return package
    for package in packages:
        if package.kind.value == key or package.name.lower() == key:
            return package
    raise ToolError(f"We have no {wanted} package; our team will prepare a tailored offer.")


def package_for(ctx: ToolContext, kind: LeadKind) -> Package | None:
    """The package a lead of this kind is offered, if the property has one."""
    try:
        return find_package(ctx, kind.value)
    except ToolError:
        return None

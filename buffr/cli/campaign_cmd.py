"""``buffr campaign``: the reactivation analytics of a property: guest segments and the
win-back model's quality on the property's own history."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from buffr.cli.campaign_run_cmd import create, preview, report, send
from buffr.cli.context import CliError, runtime

campaign_app = typer.Typer(
    help="Reactivation campaigns: segments of lapsed guests, and win-back campaigns.",
    no_args_is_help=True,
)
campaign_app.command("create")(create)
campaign_app.command("preview")(preview)
campaign_app.command("send")(send)
campaign_app.command("report")(report)
_out = Console()

PropertyOption = typer.Option("demo", "--property", "-p", help="The property's slug.")


@campaign_app.command("segments")
def segments(
    property_slug: str = PropertyOption,
    k: int | None = typer.Option(
        None, "--k", min=1, help="Number of segments (default: best of 3-6)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    today: str | None = typer.Option(
        None, "--today", help="The date to compute as of (YYYY-MM-DD)."
    ),
) -> None:
    """Segment the property's guests and report the win-back model's held-out quality."""
    from tools.reactivation import NotEnoughHistory, guest_features, segment_guests, train_winback

    try:
        as_of = date.fromisoformat(today) if today else date.today()
    except ValueError as error:
        raise CliError(f"--today must be a date like 2027-03-01, not {today!r}", code=2) from error
    rt = runtime()
    property_id = rt.db.property_id(property_slug)
    with rt.db.tenant(property_id) as session:
        features = guest_features(session, as_of)
        segmentation = segment_guests(features, k=k)
        model: dict[str, Any] | None
        try:
            winback = train_winback(session, as_of)
            model = {
                "auc": round(winback.auc, 3),
                "base_rate": round(winback.base_rate, 3),
                "precision_at_top": round(winback.precision_at_top, 3),
                "n_train": winback.n_train,
                "n_test": winback.n_test,
            }
            model_error = None
        except NotEnoughHistory as error:
            model, model_error = None, str(error)
    rows = [
        {
            "name": s.name,
            "size": s.size,
            "mean_recency_days": None
            if s.mean_recency_days is None
            else round(s.mean_recency_days, 1),
            "mean_frequency": round(s.mean_frequency, 2),
            "mean_spend": round(s.mean_spend, 2),
            "consent_share": round(s.consent_share, 3),
        }
        for s in segmentation.segments
    ]
    if as_json:
        report = {
            "property": property_slug,
            "as_of": as_of.isoformat(),
            "guests": len(features),
            "k": segmentation.k,
            "segments": rows,
            "winback": model,
            "winback_error": model_error,
        }
        typer.echo(json.dumps(report, indent=2))
        return
    table = Table(
        title=f"{property_slug}: {len(features)} guests as of {as_of}", title_justify="left"
    )
    for column in (
        "segment",
        "guests",
        "mean recency (days)",
        "mean frequency",
        "mean spend",
        "consent",
    ):
        table.add_column(column, justify="left" if column == "segment" else "right")
    for row in rows:
        recency = row["mean_recency_days"]
        table.add_row(
            str(row["name"]),
            str(row["size"]),
            "-" if recency is None else f"{recency:.0f}",
            f"{row['mean_frequency']:.1f}",
            f"{row['mean_spend']:,.0f}",
            f"{row['consent_share']:.0%}",
        )
    _out.print(table)
    if model is None:
        _out.print(f"win-back model: {model_error}")
    else:
        _out.print(
            f"win-back model: held-out AUC {model['auc']:.2f}, base rate {model['base_rate']:.0%}, "
            f"precision at top 20% {model['precision_at_top']:.0%} "
            f"(n_train {model['n_train']}, n_test {model['n_test']})"
        )

"""Demo data: the Seaside Hotel (slug ``demo``) and City Bar (slug ``city-bar``).

``seed_demo(db)`` creates whichever of the two is missing (idempotent); ``reset=True`` rebuilds
both. Every demo staff user's password is ``demo-password`` (:data:`DEMO_PASSWORD`).

The hotel's knowledge documents (house rules, FAQ, spa, restaurant) are Markdown files in
:data:`DEMO_DOCS_DIR`; ``seed_demo`` ingests them into the hotel's knowledge base (chunked
and embedded; unchanged documents are skipped, see ``domain.seed.knowledge_docs``).
"""

from pathlib import Path

from domain.seed.demo import CITY_BAR_SLUG, DEMO_PASSWORD, DEMO_SLUG, SeedReport, seed_demo

DEMO_DOCS_DIR: Path = Path(__file__).resolve().parent / "docs"

__all__ = [
    "CITY_BAR_SLUG",
    "DEMO_DOCS_DIR",
    "DEMO_PASSWORD",
    "DEMO_SLUG",
    "SeedReport",
    "seed_demo",
]

"""Arcade (https://arcade.dev): the sales agent's authenticated actions on a staff member's
behalf, through the ``arcadepy`` SDK.

What it is used for: e-mailing a proposal to a lead from the staff member's own Gmail
(Arcade's ``Gmail.SendEmail``) and putting a site visit in their Google Calendar with the lead
invited (``GoogleCalendar.CreateEvent``). Arcade holds the OAuth grants; Buffr knows a staff
member to Arcade by their e-mail address. When Arcade says the staff member has not authorized
the tool yet, they are sent the authorization link (a staff notification, texted to them) and
the action runs by itself once they have authorized it (the worker's sweep resumes it).

Configuration (environment):

- ``BUFFR_ARCADE_API_KEY``: the Arcade API key. Unset: the Arcade tools are absent
  (:func:`arcade_tools` returns none) and nothing calls Arcade.
- ``BUFFR_ARCADE_BASE_URL``: Arcade's API base URL, default ``https://api.arcade.dev`` (tests
  point it at a local server).

Modules: :mod:`~tools.arcade.gateway` (the SDK calls, typed; errors), :mod:`~tools.arcade.actions`
(the two actions and the authorization flow), :mod:`~tools.arcade.resume` (finishing actions
after authorization; the ``resume_arcade_action`` job).
"""

from tools.arcade.actions import (
    ArcadeOutcome,
    EmailProposalArgs,
    SiteVisitArgs,
    arcade_tools,
    email_proposal,
    put_site_visit_in_calendar,
    schedule_site_visit,
    send_proposal_email,
)
from tools.arcade.gateway import ArcadeGateway, ArcadeRefused, ArcadeUnavailable, build_gateway

__all__ = [
    "ArcadeGateway",
    "ArcadeOutcome",
    "ArcadeRefused",
    "ArcadeUnavailable",
    "EmailProposalArgs",
    "SiteVisitArgs",
    "arcade_tools",
    "build_gateway",
    "email_proposal",
    "put_site_visit_in_calendar",
    "schedule_site_visit",
    "send_proposal_email",
]

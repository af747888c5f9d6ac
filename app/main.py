"""The top of the trainers' page (``leadsim serve`` serves this module's :func:`Page`).

A browser tab shows one school (or two side by side, :mod:`leadsim.app.page`) or, with
``?system=NAME``, a system of schools (:mod:`leadsim.app.systempage`); the sidebar switches
between the two. This module only chooses; it sits above both so that neither imports the other's
page.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import solara
from leadsim.app.page import FilesCard, SchoolsCard, Session, YourSchoolCard
from leadsim.app.systempage import SystemCard, SystemEntryCard, SystemSession
from leadsim.app.views import explanation_html

__all__ = ["Page", "new_session"]


def new_session(search: str | None) -> Session:
    """The session an address asks for: the system view with ``system=...``, else one school (or two)."""
    if "system" in dict(parse_qsl(search or "", keep_blank_values=True)):
        return SystemSession(search)
    return Session(search)


@solara.component
def Page():
    """One session's page: its own Session (schools, clock, widget) built from the address."""
    router = solara.use_router()
    # the session of this tab; "open the system view" and "back to one school" replace it
    holder = solara.use_memo(lambda: {"session": new_session(router.search)}, [])
    session: Session = holder["session"]
    version, set_version = solara.use_state(0)

    def bump():
        set_version(lambda n: n + 1)

    def switch(new: Session) -> None:
        holder["session"].close()
        holder["session"] = new
        # the new widget is not in the browser yet, so its address trait cannot reach the address
        # bar: the router sets it, once per switch (the session is kept: use_memo above)
        new.push_address()
        router.push((router.path or "/") + new.widget.address)
        bump()

    session.on_change = bump
    solara.use_effect(lambda: lambda: holder["session"].close(), [])
    solara.Title("leadsim · leadership patterns in schools")
    if not session.widget.presenting:
        with solara.Sidebar():
            with solara.Column(gap="8px"):
                if isinstance(session, SystemSession):
                    SystemCard(session, bump, lambda: switch(Session("")))
                else:
                    SchoolsCard(session, version, bump)
                    YourSchoolCard(session, bump)
                    FilesCard(session, bump)
                    SystemEntryCard(lambda name: switch(SystemSession(f"system={name}")))
    with solara.Column(style="padding: 2px 10px; width: 100%;", gap="4px"):
        solara.display(session.widget)
        if not session.widget.presenting:
            with solara.Card("What am I looking at?", classes=["leadsim-explanation"]):
                solara.HTML(tag="div", unsafe_innerHTML=explanation_html(), style="max-width: 75em; line-height: 1.45;")

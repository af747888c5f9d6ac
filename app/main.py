"""The top of the trainers' page (``leadsim serve`` serves this module's :func:`Page`).

A browser tab shows one school (or two side by side, :mod:`leadsim.app.page`) or, with
``?system=NAME``, a system of schools (:mod:`leadsim.app.systempage`); the sidebar switches
between the two. This module only chooses; it sits above both so that neither imports the other's
page.

It also sets the page's frame (:func:`Layout`): on a screen narrower than Vuetify's "mobile" width the
sidebar starts closed, since there it is a drawer over the page that would cover the controls.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import ipyvuetify as v
import solara
import traitlets
from leadsim.app.page import FilesCard, SchoolsCard, Session, YourSchoolCard
from leadsim.app.systempage import SystemCard, SystemEntryCard, SystemSession
from leadsim.app.views import explanation_html

__all__ = ["Layout", "Page", "new_session"]

#: below this width (px) Vuetify 3 makes solara's sidebar a drawer over the page (its default
#: mobile breakpoint, "lg"), so that the sidebar, open at the start, covers the controls
MOBILE_WIDTH = 1280

#: whether this browser tab's window is narrower than :data:`MOBILE_WIDTH` (None: not known yet);
#: a solara reactive is per tab (kernel), so each tab has its own
narrow_screen: solara.Reactive[bool | None] = solara.reactive(None)


#: solara's menu button (it opens and closes the sidebar) renders empty with Vuetify 3, so that on a
#: narrow screen, where the sidebar starts closed, nothing shows how to open it: draw the menu glyph
#: of the Material Design Icons font the page already loads (mdi-menu); a button with an icon of its
#: own is not :empty and keeps it
MENU_ICON_CSS = r"""
.v-app-bar-nav-icon .v-btn__content:empty::before {
  font-family: "Material Design Icons"; content: "\F35C"; font-size: 24px; line-height: 1;
}
"""


class ScreenWidth(v.VuetifyTemplate):
    """An invisible widget that tells the server whether the window is narrow, and again when a resize
    crosses :data:`MOBILE_WIDTH` (the server cannot know the width before the page is open)."""

    narrow = traitlets.Bool(allow_none=True, default_value=None).tag(sync=True)
    template = traitlets.Unicode(
        """
<template><span class="leadsim-screen" style="display: none;"></span></template>
<script>
module.exports = {
  mounted() {
    this.onResize = () => {
      const narrow = window.innerWidth < MOBILE_WIDTH;
      if (narrow !== this.narrow) { this.narrow = narrow; }
    };
    window.addEventListener('resize', this.onResize);
    this.onResize();
  },
  beforeUnmount() { window.removeEventListener('resize', this.onResize); },
};
</script>
""".replace("MOBILE_WIDTH", str(MOBILE_WIDTH))
    ).tag(sync=True)


@solara.component
def Layout(children: list | None = None):
    """Solara's frame (app bar, sidebar), with the sidebar closed at the start on a narrow screen.

    Solara opens its sidebar on every screen; below :data:`MOBILE_WIDTH` it is a drawer over the page,
    wider than a phone, over the play and event buttons. There it starts closed (its menu button opens
    it); a wider window keeps it open beside the page, as before.
    """
    return solara.AppLayout(children=children or [], sidebar_open=not narrow_screen.value)


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
        ScreenWidth.element(narrow=narrow_screen.value, on_narrow=narrow_screen.set)
        solara.Style(MENU_ICON_CSS)
        solara.display(session.widget)
        if not session.widget.presenting:
            with solara.Card("What am I looking at?", classes=["leadsim-explanation"]):
                solara.HTML(tag="div", unsafe_innerHTML=explanation_html(), style="max-width: 75em; line-height: 1.45;")

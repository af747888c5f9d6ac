"""The trainers' page: one school or two side by side, live in the browser (``leadsim serve``).

``main`` is the page served (one school or a system), ``page`` the Solara page of one school,
``views`` its charts and panels, ``server`` the local server that serves it on 127.0.0.1 with its
front-end files offline. ``systemroom`` (no Solara) and ``systempage`` are its system view
(``?system=NAME``): a system of schools, the school on show's own panels, and the live events in
that school.
"""

"""The trainers' page: one school or two side by side, live in the browser (``leadsim serve``).

``page`` is the Solara page, ``views`` its charts and panels, ``server`` the local server that
serves it on 127.0.0.1 with its front-end files offline.
"""

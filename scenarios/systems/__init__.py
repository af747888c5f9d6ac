"""The bundled system scenarios: each ``*.yaml`` here is package data (``leadsim system run NAME``)."""

"""The bundled system scenarios: each ``*.yaml`` here is package data, run by name (``leadsim system run federation``)."""

"""The bundled scenarios: each ``*.yaml`` here is package data, run by name (``leadsim run demo``)."""

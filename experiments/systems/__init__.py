"""The bundled system studies: paired-seed experiments on systems of schools (``leadsim system study NAME``)."""

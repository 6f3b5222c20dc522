"""HTTP plumbing that every route shares: the steps each response goes through (``responses``:
validators, CORS, caching headers, gzip, security headers, /healthz), the checks of every request's bytes (``inputs``), the one place errors
become responses (``errors``), the response cache (``cache``) and the replay of finished
responses in front of Flask (``replay``), and the access log (``access``)."""

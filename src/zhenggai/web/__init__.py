"""``zhenggai serve``: the intranet intake (counties upload and self-check, the prefecture decides).

A thin layer over the library, like the CLI: ``routes`` parse a request and render a
template, ``service`` is the one module that calls the library, ``store`` keeps uploads
and decisions (SQLite in WAL mode beside files named by content hash), ``security``
holds the links, the cross-site checks, headers, size and rate limits. Nothing in the
library imports this package.
"""

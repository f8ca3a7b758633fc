"""The one kind of exception zhenggai raises on purpose: a run that cannot produce a report.

Data problems are findings (see ``findings.py``), never exceptions. A ``FatalError``
carries a Chinese message that the CLI prints as one line on stderr before exiting 2.
"""

from __future__ import annotations


class FatalError(Exception):
    """The run cannot go on (bad arguments, unwritable output); ``str()`` is Chinese."""


class OutputExists(FatalError):
    """An output file exists and ``--force`` was not given."""


class OutputError(FatalError):
    """An output file or folder cannot be written."""


class InputError(FatalError):
    """An input path named on the command line does not exist or cannot be listed."""


class SchemaError(FatalError):
    """The ``--indicators`` file cannot be used."""

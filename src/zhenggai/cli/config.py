"""The config file (``zhenggai.toml``) for the command line: the library's, see :mod:`zhenggai.api.config`."""

from __future__ import annotations

from zhenggai.api.config import KEYS, LOCAL_NAME, ConfigError, candidates, load, resolve

__all__ = ["KEYS", "LOCAL_NAME", "ConfigError", "candidates", "load", "resolve"]

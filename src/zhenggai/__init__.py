"""zhenggai（整改）：电子商务进农村综合示范专项整改的模板下发、填报校验与汇总工具。

The library in four calls (see the README's 作为库使用)::

    import zhenggai

    result = zhenggai.validate(["收件/"], zhenggai.Options(as_of=date(2022, 7, 15)))
    merged = zhenggai.merge(["收件/"], zhenggai.MergeOptions(prefecture="襄阳市"), "襄阳市汇总.xlsx")
    rollup = zhenggai.read_rollup("襄阳市汇总.xlsx")
    counties, items, stats, findings = rollup.frames()

Importing this package is light (no pandas, openpyxl or pydantic): each public name
is loaded from its module on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name → module that defines it (loaded on first attribute access)
_EXPORTS = {
    "validate": "zhenggai.api",
    "merge": "zhenggai.api",
    "read_rollup": "zhenggai.api",
    "diff": "zhenggai.api.diff",
    "compare_rollups": "zhenggai.rollup.previous",
    "Comparison": "zhenggai.progress.compare",
    "write_county_forms": "zhenggai.outputs.templates",
    "write_many": "zhenggai.outputs.templates",
    "CountyForms": "zhenggai.outputs.templates",
    "Prefill": "zhenggai.outputs.templates",
    "Options": "zhenggai.core.results",
    "ValidationResult": "zhenggai.core.results",
    "FileResult": "zhenggai.core.results",
    "DEADLINE": "zhenggai.core.results",
    "MergeOptions": "zhenggai.rollup.model",
    "MergeResult": "zhenggai.rollup.model",
    "Rollup": "zhenggai.rollup.model",
    "CountySummary": "zhenggai.rollup.model",
    "Status": "zhenggai.rollup.model",
    "RollupFrames": "zhenggai.rollup.frames",
    "Finding": "zhenggai.core.findings",
    "Severity": "zhenggai.core.findings",
    "Report": "zhenggai.core.findings",
    "FatalError": "zhenggai.core.errors",
    "InputError": "zhenggai.core.errors",
    "OutputExists": "zhenggai.core.errors",
    "Signoff": "zhenggai.rollup.model",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from zhenggai.api import (
        merge as merge,
    )
    from zhenggai.api import (
        read_rollup as read_rollup,
    )
    from zhenggai.api import (
        validate as validate,
    )
    from zhenggai.api.diff import (
        diff as diff,
    )
    from zhenggai.core.errors import (
        FatalError as FatalError,
    )
    from zhenggai.core.errors import (
        InputError as InputError,
    )
    from zhenggai.core.errors import (
        OutputExists as OutputExists,
    )
    from zhenggai.core.findings import (
        Finding as Finding,
    )
    from zhenggai.core.findings import (
        Report as Report,
    )
    from zhenggai.core.findings import (
        Severity as Severity,
    )
    from zhenggai.core.results import (
        DEADLINE as DEADLINE,
    )
    from zhenggai.core.results import (
        FileResult as FileResult,
    )
    from zhenggai.core.results import (
        Options as Options,
    )
    from zhenggai.core.results import (
        ValidationResult as ValidationResult,
    )
    from zhenggai.outputs.templates import (
        CountyForms as CountyForms,
    )
    from zhenggai.outputs.templates import (
        Prefill as Prefill,
    )
    from zhenggai.outputs.templates import (
        write_county_forms as write_county_forms,
    )
    from zhenggai.outputs.templates import (
        write_many as write_many,
    )
    from zhenggai.progress.compare import (
        Comparison as Comparison,
    )
    from zhenggai.rollup.frames import (
        RollupFrames as RollupFrames,
    )
    from zhenggai.rollup.model import (
        CountySummary as CountySummary,
    )
    from zhenggai.rollup.model import (
        MergeOptions as MergeOptions,
    )
    from zhenggai.rollup.model import (
        MergeResult as MergeResult,
    )
    from zhenggai.rollup.model import (
        Rollup as Rollup,
    )
    from zhenggai.rollup.model import (
        Signoff as Signoff,
    )
    from zhenggai.rollup.model import (
        Status as Status,
    )
    from zhenggai.rollup.previous import (
        compare_rollups as compare_rollups,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zhenggai' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

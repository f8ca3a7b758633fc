"""zhenggai（整改）：电子商务进农村综合示范专项整改的模板下发、填报校验与汇总工具。

作为库使用时，从这里导入公开接口；导入本包本身很轻（不导入 pandas、openpyxl），
具体功能在第一次调用时才加载对应模块。
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]

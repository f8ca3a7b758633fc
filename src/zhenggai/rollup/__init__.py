"""The prefecture (and province) rollup.

- ``model.py``: the rollup as data (``Rollup``, ``CountySummary``, ``Status`` …)
- ``layout.py``: the workbook's sheets and columns as data
- ``county.py``: county replies → rollup (pair, choose, count), and the ``merge`` run
- ``province.py``: prefecture rollups → province rollup
- ``workbook.py``: rollup → the .xlsx a prefecture sends on
"""

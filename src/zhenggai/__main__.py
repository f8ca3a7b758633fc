"""`python -m zhenggai` 的入口。"""

from zhenggai.cli import main

main()

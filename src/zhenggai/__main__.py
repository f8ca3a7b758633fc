"""`python -m zhenggai` 的入口。"""

from zhenggai.cli.app import main

main()

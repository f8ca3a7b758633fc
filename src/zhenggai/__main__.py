"""`python -m zhenggai` 的入口。"""

import gc

gc.disable()  # a short run: no collector over what the imports make (cli/app.main says why)

from zhenggai.cli.app import main  # noqa: E402 - after the collector is paused

main()

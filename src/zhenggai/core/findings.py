"""Findings: every data problem zhenggai reports, as data (never as an exception).

The catalogue below is the single list of finding codes. A code is stable: once
released it never changes meaning. Each code carries its severity and a Chinese
message template that says what the clerk must change. The README's 问题代码表 is
checked against this catalogue by ``tests/test_docs.py``.

Stdlib only: this module sits at the bottom of the dependency graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from zhenggai.core.codes import FindingCode
from zhenggai.core.pickled import pickled_by_fields


class Severity(str, Enum):
    """How serious a finding is: errors block submission, warnings ask for a look."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        """The Chinese word shown to clerks."""
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]

    @property
    def rank(self) -> int:
        """Sort key: errors first."""
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Code:
    """One entry of the catalogue: a stable code, its severity and Chinese texts."""

    code: str
    severity: Severity
    template: str
    meaning: str


E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

_CODES: tuple[Code, ...] = (
    # --- reading a file ---------------------------------------------------------------
    Code("file-unreadable", E, "无法读取此文件：{reason}。请用 Excel 或 WPS 打开确认后另存为 .xlsx 再提交",
         "文件不是有效的 Excel 工作簿、已损坏或被截断"),
    Code("file-encrypted", E, "文件设置了打开密码，无法读取。请取消密码后另存再提交",
         "工作簿有密码保护"),
    Code("file-too-large", E, "文件解压后的大小（{size}）异常，疑似压缩炸弹，已拒绝读取",
         "压缩包内容大得不合常理，为安全起见拒绝解析"),
    Code("saved-time-ignored", INFO, "文件内部记录的最后保存时间“{value}”不可能（超出日历或晚于现在），已忽略；"
         "判断哪一份是最新版本时不以它为依据", "文件属性中的保存时间不合常理（如 9999 年），不用于比较版本"),
    Code("file-skipped", INFO, "已跳过：{reason}", "锁定文件、隐藏文件、非工作簿文件或汇总表本身，不作为县级数据读取"),
    Code("csv-read", W, "这是 CSV 文件（{encoding} 编码），按一张工作表读取：CSV 不保存单元格格式、合并单元格、隐藏行列和多张工作表，"
         "请核对读出的内容，最好改交 Excel 原件", "CSV 导出（Excel/WPS 的“CSV (逗号分隔)”）：按一张工作表读取"),
    Code("csv-encoding", E, "CSV 文件的编码读不出来：{reason}。请用 Excel 或 WPS 打开原表，另存为 .xlsx 再报送",
         "CSV 文件既不是 UTF-8 也不是 GBK，或内容是乱码"),
    Code("scan-only", E, "这是{kind}（扫描件或照片），扫描件无法汇总，请同时报送 Excel 或 Word 原件",
         "PDF、图片等扫描件：读不出数字，不能当作已报送，也不会被当作未报送而不提"),
    Code("scan-with-original", INFO, "这是{kind}（扫描件或照片），未汇总；{county} 的数字取自同时报送的原件 {used}",
         "同一县既报了扫描件又报了 Excel/Word 原件：扫描件只作留档"),
    Code("word-legacy", E, "这是旧版 Word/WPS 文档（.doc/.wps 二进制格式），读不出其中的表格：请另存为 .docx 或 Excel 再报送",
         "旧版二进制 Word/WPS 文档"),
    Code("archive-unsupported", E, "这是 {kind} 压缩包，无法直接读取：请解压后放入文件夹",
         "RAR、7z 压缩包（.zip 压缩包会直接读取其中的文件）"),
    Code("archive-unreadable", E, "压缩包中的文件无法读取：{reason}", "压缩包损坏、有密码、嵌套过深或文件数异常"),
    Code("no-table", E, "文件中没有找到附件1（整改清单）或附件2（成果统计表）的表头行（每张工作表查找了前 {rows} 行）",
         "没有一张工作表含有可识别的表头"),
    Code("formula-no-value", E, "此单元格是公式，但文件里没有保存可信的计算结果（文件由程序生成，没有用 Excel 或 WPS 计算过）。"
         "请用 Excel 或 WPS 打开此文件并保存后再提交",
         "公式没有缓存值，或文件要求打开时重新计算（文件由程序生成、从未被 Excel/WPS 计算过，如 XlsxWriter 写的 0）"),
    Code("missing-column", E, "表格缺少「{field}」列，请按官方模板补上此列",
         "表头中找不到某个必需的列"),
    Code("extra-column", INFO, "表格多出「{value}」列，已原样保留", "官方模板之外的列（如 备注）"),
    Code("header-variant", INFO, "表头「{value}」按「{field}」识别", "表头文字与官方模板不同但可识别"),
    Code("column-twin", INFO, "「{value}」与{first}都是「{field}」，每一行两列读出的都一样，按一列读取；请删除多余的一列",
         "同一项有两列（如两列“是否完成整改”），每行内容相同：按一列读取"),
    Code("column-twin-differs", E, "「{field}」有两列：{first}填“{value}”，{second}填“{other}”（{other_cell}），"
         "不知道以哪一列为准，本行此项未计入（不计入合计、完成率和逾期）。请只保留一列，另一列删除或改名为“备注”",
         "同一项有两列（如“是否完成整改（7月）”和“是否完成整改（10月）”、两列“县级财政安排经费”），"
         "这一行两列不同：两种读法，不计入"),
    Code("revision-unaccepted", W, "本格有未接受的 Word 修订（修订前“{before}”，修订后“{after}”），按修订后的文字读取；"
         "请在 Word 中接受或拒绝修订后再报送", "Word 表格里有未接受的修订（审阅→修订）：按修订后的文字读取并提示"),
    Code("revision-row-deleted", E, "这一行（“{text}”）被未接受的 Word 修订整行删除，不知道删除是否已经认可，未读取"
         "（不计入问题数和合计）。请在 Word 中接受或拒绝修订后重新报送",
         "Word 未接受的修订整行删除了一行：两种读法（有这一行、没有这一行），报错"),
    Code("revision-changes-value", E, "本格有未接受的 Word 修订，把“{before}”改成了“{after}”，不知道以哪一个为准，"
         "本格未计入（不计入合计、完成率和逾期）。请在 Word 中接受或拒绝修订后重新报送",
         "Word 修订改变了数字、是否完成或完成时限：两种读法，不计入"),
    Code("county-missing", E, "{detail}{fallback}",
         "找不到县名，或盖章行仍是模板占位文字"),
    Code("county-found-elsewhere", W, "{detail}；县名取自{where}：“{county}”{disagree}",
         "盖章行读不出县名，县名取自标题、工作表名、附件2 或文件名"),
    Code("county-mismatch", W, "县名不一致：{detail}", "盖章行、附件2 和文件名给出的县名不同"),
    # zhenggai serve: the link says who sent the file, the file says whose data it is.
    Code("county-not-link", E,
         "文件里写的是“{found}”，但这是{county}的报送链接：请上传本县的表格（如确是本县的，请改正盖章行和附件2中的县名）",
         "网上报送：上传的文件属于另一个县（市、区）"),
    # --- layouts: what the clerk sees, not the first thing found -------------------------
    Code("hidden-sheet-ignored", W,
         "隐藏的工作表“{name}”中有{appendix}，未读取（隐藏的内容不作为报送数据）。如果应以它为准，请取消隐藏并删除另一份",
         "隐藏的工作表里有表格（常是旧的副本），不读取"),
    Code("hidden-cells-ignored", W, "工作表“{name}”中隐藏的{what}有内容，未作为数据读取；如需计入请取消隐藏",
         "隐藏的列或表格以外隐藏的行里有内容，不作为数据读取"),
    Code("hidden-row-read", E, "工作表“{name}”的{appendix}中第 {rows} 行是隐藏的（被筛选或手动隐藏），在表格中间，已按表格的行读出，"
         "{effect}；隐藏的行作不作数读不出，请取消隐藏、删去作废的行后重报",
         "表格中间有隐藏的行（筛选或手动隐藏）：读出并报错，附件2 这几行填了数的列不计入"),
    Code("table-continued", INFO, "工作表“{name}”的附件1 表头相同、序号接着工作表“{prev}”（{seq}），按同一张表读取",
         "附件1 接着写在另一张工作表上（表头相同、序号相接）：按一张表读取"),
    Code("table-continued-headerless", INFO, "工作表“{name}”没有表头，各行都在工作表“{prev}”附件1 的列内、序号接着往下编"
         "（{seq}），按它的续表读取", "附件1 接着写在下一张工作表或下一个 Word 表格里而没有重复表头（分页）：按续表读取"),
    Code("rows-without-header", E, "工作表“{name}”第 {rows} 行（“{text}”）像是表格的行，但上方没有表头，{why}，"
         "不知道是哪张表的哪一列，未读取。请在这些行上方加上表头（可从附件1 复制），或把它们移到表格里",
         "没有表头的表格行（接在另一张工作表或另一个 Word 表格里）又不能确定是续表：报错，不悄悄丢掉"),
    Code("table-transposed", INFO, "工作表“{name}”的附件2 是横竖转置的（指标名称在一列里），已按转置读取",
         "附件2 横竖转置（指标名称竖着排成一列）：按转置读取"),
    Code("row-continuation", INFO, "第 {line} 行只填了{fields}，没有序号和问题描述，按第 {prev} 行的续行读取（接在其后，换行分隔）",
         "只填了整改措施或备注的一行（从 Word 粘贴的一段）：接在上一个问题后面"),
    Code("row-split", E, "第 {line} 行没有序号，也没有填是否完成整改和完成时限，只填了{fields}：像是第 {prev} 行的问题写成了两行"
         "（单元格里的文字换到了下一行），也可能是另一个没填完的问题，无法确定，未作为一个问题计入。请把这一行的文字并入"
         "第 {prev} 行对应的单元格，或补上序号、是否完成整改和完成时限",
         "没有序号、是否完成和完成时限，只有问题描述等文字的一行：像是上一行写成了两行，不作为单独的问题计入"),
    Code("header-repeated", INFO, "第 {line} 行是重复的表头（“{text}”），已跳过", "表格中间重复的表头行（分页或空行后）：跳过"),
    Code("row-units-skipped", INFO, "第 {line} 行是单位行或列序号行（“{text}”），不是数据，已跳过",
         "表头下的单位行（万元、个）或列序号行（1 2 3 …）：跳过"),
    Code("row-unclassified", E, "第 {line} 行（“{text}”）既不是数据行，也不是分类标题、续行或说明，无法确定怎么读；"
         "请补上序号和问题描述，或删除该行", "一行读不出是什么（如表格第一行只有整改措施）"),
    Code("rows-merged-joined", INFO, "第 {rows} 行的县（市、区）单元格合并为一格，按一个县的一行读取；"
         "未合并的单元格（备注等）已连接，没有只取一行", "附件2 中一个县的单元格向下合并了几行：各行未合并的内容连接起来"),
    Code("row-struck-through", W, "工作表“{name}”第 {rows} 行的文字全部加了删除线，按填表人已删除处理，未作为数据读取；"
         "如仍要报送请去掉删除线，否则请删除该行", "整行文字加了删除线：视为已删除，不作为数据"),
    Code("text-struck-through", W, "本格的“{struck}”加了删除线，按填表人已删除处理，未读取；{reading}。"
         "如不是要删除，请去掉删除线", "单元格里有文字加了删除线：删除线部分不读取（“~~30~~25”按 25 读，不是 3025）"),
    Code("county-file-name-other", E, "文件名写的是本次汇总的另一个县“{named}”，表中盖章行写的是“{county}”：可能是{named}照抄了"
         "{county}的表样而没改盖章行。已按盖章行计入 {county}，请核实：是{named}的报送就改正盖章行后重新报送",
         "文件名是本次汇总的另一个县（保康县附件1.xlsx 的盖章行却是谷城县）：可能照抄了别县的表"),
    Code("duplicate-in-workbook", E,
         "{county} 在同一工作簿中有 {n} 份内容不同的{appendix}（工作表 {sheets}），无法确定以哪一份为准，"
         "均未计入汇总。请删除多余的一份后重新报送",
         "同一工作簿里同一县有两份不同的同一附件"),
    Code("county-blank-only", E, "{county} 只交了空白表样（没有填写任何数据），按未填报处理", "一个县交来的表格都没有数据行"),
    Code("blank-form", INFO, "{appendix}没有填写任何数据（空白表样），不作为报送", "只有表头、没有数据行的表格"),
    Code("county-row-repeated", E, "附件2 中 {county} 有 {n} 行（第 {rows} 行），无法确定以哪一行为准，均未计入汇总",
         "附件2 同一县填了多行且不是乡镇分行"),
    Code("county-row-unknown", E, "附件2 这一行“{value}”不是县（市、区）名称，表中又有几个县的行，无法确定归哪个县，未计入汇总",
         "几个县合在一张附件2 时，有一行不是县名（如“市本级”）"),
    Code("township-sum-mismatch", E, "各乡镇（单位）行的「{field}」相加为 {sum}，与合计行的 {total} 不一致，本列未计入汇总",
         "按乡镇分行的附件2，各行之和与合计行不符"),
    Code("total-row-differs", E, "合计行的「{field}」为 {total}，与第 {own_row} 行本县的 {own} 不一致，无法确定以哪个为准，"
         "本列未计入汇总；请改成一致或删除合计行", "附件2 本县一行之外还有合计行，两行的数不一致"),
    Code("collected-total-differs", E, "各县（市、区）行的「{field}」相加为 {sum}，与表中合计行的 {total} 不一致：汇总按各县（市、区）行计，"
         "请核实哪一行填错", "几个县合在一张附件2、表中的合计行与各县行之和不一致"),
    Code("number-merged", E, "{rows}的{fields}是一个合并单元格：一个数占了几格，按每格各读一次会多算，未计入汇总；"
         "请取消合并，每格填各自的数", "附件2 的数所在单元格与别的数字格合并（跨两列，或跨几个县、乡镇的行）"),
    Code("county-periods", E, "附件2 把 {county} 分几个时期填了几行（{rows}）：这是同一个县几个时期的数，不能相加，"
         "也不知道该取哪一行；{fields}各行不同，未计入汇总。请只保留要报送的一行",
         "附件2 同一县分本期、累计（或上次、本次，几个月份）填了几行或几列"),
    Code("township-row-unclear", E, "附件2 这一行“{value}”写着 {county} 的县名，读不出是全县的合计还是其中的一部分，"
         "不能相加；本表{fields}未计入汇总。合计行请写“合计”，分项请写乡镇或单位名称",
         "按乡镇分行的附件2 中，一行写着本县县名，读不出是合计还是分项"),
    Code("township-nesting-unclear", E, "附件2 这一行“{value}”{why}：和其他乡镇（单位）行相加可能重复计算，也可能不重复，"
         "读不出；本表{fields}未计入汇总。请删去已算进小计的明细行，或加一行“合计”",
         "按乡镇分行的附件2 中有小计行或“其中”行，又没有合计行可核对，读不出哪些行该相加"),
    Code("township-subtotal-read", INFO, "附件2 这一行“{value}”是上面第 {rows} 行的小计（相加相符），按小计计入，这几行不再重复相加",
         "按乡镇分行的附件2 中，小计行与它上面几行相加相符"),
    Code("township-summed", W, "附件2 按乡镇（单位）分 {n} 行填写且没有合计行，已把各行相加作为 {county} 的数",
         "按乡镇分行且没有合计行，各行相加"),
    # --- 附件1 rows -------------------------------------------------------------------
    Code("required-missing", E, "「{field}」未填写", "必填项为空"),
    Code("done-variant", INFO, "「是否完成整改」填的是“{value}”，已按“{as_value}”处理；请改为“是”或“否”",
         "是否完成整改 写成了常见的同义写法"),
    Code("done-contradicted", E, "「是否完成整改」填“是”，但整改措施写着“{words}”：两处说法不一致，到底是否已完成整改？"
         "请改正其中一处（完成率暂按“是”计）", "是否完成整改填“是”，整改措施却写着尚未完成、仍未整改到位、正在施工"),
    Code("done-invalid", E, "「是否完成整改」只能填“是”或“否”，现为“{value}”", "是否完成整改 无法识别"),
    Code("date-invalid", E, "「{field}」“{value}”不是日期，请填写具体日期，如 2022-12-31",
         "完成时限 不是可识别的日期（如“长期坚持”）"),
    Code("date-out-of-range", E,
         "「{field}」显示为“{value}”，不在 2015 年至 2030 年之间（常见原因：在日期格式的单元格里输入了数字），"
         "请填写实际日期，如 2022-12-31",
         "日期早于 2015 年或晚于 2030 年"),
    Code("date-approximate", INFO, "「{field}」“{value}”按 {date} 处理", "完成时限 只写到月或年底，取该月（年）最后一天"),
    Code("date-two-digit-year", INFO, "「{field}」“{value}”的年份只写了两位，按 {date} 处理", "年份写成两位（22年12月底），按 20xx 年读"),
    Code("deadline-too-late", E,
         "未完成整改的问题，完成时限 {date} 晚于整改期限 {deadline}{basis}",
         "未完成的问题，完成时限晚于整改期限"),
    Code("done-date-future", E, "已完成整改的问题，完成时限 {date} 晚于 {as_of}，请填写实际完成日期",
         "已完成的问题，完成日期在今天（--as-of）之后"),
    Code("overdue", W, "完成时限 {date} 已过（截至 {as_of}）但仍未完成整改", "未完成的问题已过完成时限"),
    Code("measure-pledge-only", W,
         "整改措施只有表态{words}，没有写明已经做了什么、成果是多少。通知要求写明：县级财政安排多少经费、追回多少资金、"
         "补充多少人、新整合多少快递企业、淘汰和新建改造多少站点、快递新覆盖多少村、优化多少培训课程、何时完成",
         "整改措施只有态度、打算或目标，没有一处已做的动作或成果数量（通知所说的“表态性措施”；规则见 表态性 一节）"),
    Code("measure-deadline-only", W,
         "整改措施只有表态和时限{words}：“…前完成”是承诺，不是已经做了的事。请写明已做了什么、成果是多少",
         "表态性措施中唯一具体的是完成时限（如“确保9月30日前整改到位”）"),
    Code("measure-meeting-only", W,
         "整改措施只有开会、成立机构或部署{words}：这是组织工作，不是整改结果。请写明已做了什么、成果是多少",
         "表态性措施中唯一具体的是会议、领导小组、列入重点工作（会议次数不是成果数量）"),
    Code("measure-figure-mismatch", W,
         "附件1 的整改措施写明「{field}」合计 {stated}（{cells}），此处填报的是 {value}：两者不一致，请核对哪个对",
         "附件1 整改措施中写明的数量（追回…万元、淘汰站点…个、新覆盖…村…）按成果指标相加，与附件2 的数不一致"
         "（超出四舍五入）；只算实际动作，不算“计划”“确保”；措施写法有两种读法时不比较"),
    Code("measure-copied", W,
         "整改措施与别处的措施相同或几乎相同（不计标点、数字和县名）：{others}。请写明本县针对本问题的具体措施",
         "同一县不同问题、同一收件夹的不同县、或上一轮（--previous）别的县，写了相同或几乎相同的整改措施；"
         "每一处都有一条，列出另外几处（文件、工作表、单元格）"),
    Code("seq-gap", W, "序号不连续：此处应为 {expected}，现为 {value}", "序号跳号"),
    Code("seq-duplicate", W, "序号 {value} 重复（第 {other_row} 行也是 {value}）", "序号重复"),
    Code("seq-invalid", W, "序号“{value}”不是数字", "序号不是数字"),
    Code("problem-duplicate", W, "此问题描述与第 {other_row} 行重复", "同一问题填了两行"),
    Code("problem-duplicate-disagrees", E, "同一问题“{problem}”填了两行，第 {other_row} 行是否完成整改填“{other}”，这一行填“{value}”："
         "按两个问题计入，完成率取决于哪一行为准，无法确定；请合并为一行，或删除不再适用的行",
         "同一问题描述填了两行，是否完成整改一行“是”一行“否”"),
    # --- 附件2 numbers -----------------------------------------------------------------
    Code("number-invalid", E, "「{field}」“{value}”不是可识别的数字，请只填数字", "数字列填了无法识别的文字"),
    Code("number-estimate", E, "「{field}」“{value}”是估计数或范围（“{note}”），不是确切的数，未计入；请填写一个确切的数",
         "数字带“约”“左右”“余”或写成范围（10-20），不是一个确切的数"),
    Code("number-note", INFO, "「{field}」“{value}”按 {number} 计，后面的“{note}”作为说明", "数字后带脚注或括号说明（含…、其中…）"),
    Code("number-format-scaled", E,
         "「{field}」单元格里存的是 {stored}，单元格格式 {fmt} 把它缩放或改写后显示（显示为“{value}”），"
         "无法确定按哪个数计，未计入；请清除该单元格的数字格式，直接填写以{column_unit}计的数",
         "单元格格式把数缩放后显示（如 0,, 或 0.0,\"万\"），显示的数与存的数不同"),
    Code("number-blank", E, "「{field}」空白：是 0 还是没有统计，读不出来，未计入合计。没有这项成果请填 0 或“无”，有则填写数字",
         "附件2 本县一行的成果指标空白（不是 0、—、无）：不知道是 0 还是漏填，不计入合计，汇总表标红、合计写明不含哪个县"),
    Code("number-dash", INFO, "「{field}」“{value}”按 0 计", "数字列填了 —、/、无，按 0 计"),
    Code("number-chinese", INFO, "「{field}」“{value}”按 {number} 计；请填写阿拉伯数字", "数字用汉字书写（十二、壹拾）"),
    Code("unit-converted", INFO, "「{field}」{detail}", "表头或数值的单位与本列单位不同，已换算"),
    Code("amount-maybe-yuan", E, "「{field}」{number} 超出合理范围（{low}～{high}），像是按元填写的（{number} 元 = {yuan} 万元）："
         "按万元读和按元读相差一万倍，未计入合计。请换算为万元填写（{yuan}）；如确为 {number} 万元，请与市州核实",
         "万元列的数超出合理范围、按元读却正合理（如填了 500000）：不计入合计并报错"),
    Code("indicator-implausible", W, "「{field}」{value} 超出合理范围（{low}～{high}）：{cause}",
         "成果指标的数超出指标文件中的合理范围（plausible），多半是单位填错"),
    Code("unit-conflict", E, "「{field}」的单位写了两种：{places}，无法确定本列的数按哪个单位读，本列未计入合计；"
         "请只保留一种单位", "表头、表头下的单位行、表格上方的“单位：元”写的单位不一致（如表头万元、单位行元）"),
    Code("unit-invalid", E, "「{field}」“{value}”的单位“{unit}”不能换算为本列的单位（{column_unit}），未计入合计；请填写以{column_unit}计的数",
         "数值或表头的单位无法换算为本列单位（如金额列填了“50%”“3人”）"),
    Code("number-negative", E, "「{field}」不能为负数", "数字列为负数"),
    Code("number-not-integer", E, "「{field}」应为整数，现为 {value}", "个数、人数等应为整数"),
    Code("number-too-many-decimals", E, "「{field}」最多保留 2 位小数，现为 {value}", "金额小数位超过 2 位"),
    Code("count-sum-mismatch", E,
         "已完成整改数 {done} + 未完成整改数 {open} = {sum}，不等于反馈问题数 {total}",
         "附件2 中 已完成 + 未完成 ≠ 反馈问题数"),
    Code("cross-total-mismatch", E, "附件2 反馈问题数为 {total}，但附件1 有 {rows} 个问题",
         "附件2 反馈问题数 与 附件1 行数不一致"),
    Code("cross-done-mismatch", E, "附件2 已完成整改数为 {done}，但附件1 中填“是”的有 {rows} 个",
         "附件2 已完成整改数 与 附件1 中“是”的行数不一致"),
    # --- the form's own definition (hidden sheet written by init-county) ---------------
    Code("indicators-mismatch", W, "工作簿自带的附件2 成果指标（{carried}）与 --indicators 文件（{given}）不同，已按 --indicators 读取",
         "表样自带的成果指标定义与 --indicators 不同"),
    Code("indicators-definition-invalid", W, "工作簿自带的表样定义无法使用（{reason}），按{fallback}读取附件2",
         "隐藏的表样定义工作表被改动过，读不懂"),
    Code("indicators-differ", E, "{county} 的附件2 成果指标（{carried}）与汇总采用的（{used}）不同，不同的指标列未计入成果统计汇总；请用 --indicators 指定统一的指标",
         "各县附件2 的成果指标列不一致，汇总无法全部计入"),
    # --- contact line -----------------------------------------------------------------
    Code("contact-missing", W, "表格下方的联系人未填写", "联系人为空"),
    Code("phone-missing", W, "表格下方的联系电话未填写", "联系电话未填写（模板的联系人行原样未动）"),
    Code("phone-invalid", W, "联系电话“{value}”不是手机号或带区号的固定电话", "联系电话格式不对"),
    # --- merge ------------------------------------------------------------------------
    Code("county-not-submitted", E, "{county} 未报送", "--expect 中的县没有任何文件"),
    Code("appendix-missing", E, "{county} 缺少{appendix}", "一个县只交了一个附件"),
    Code("county-name-near", E, "{files} 写的县名“{name}”不在应报送名单中，与“{county}”只差简称，按{county}计入；"
         "如果不是同一个县，请改正县名后重新汇总", "报送里的县名是名单上某个县的简称或全称（如“枣阳”与“枣阳市”）：按名单上的县计入并报错"),
    Code("county-unexpected", W, "{county} 不在 --expect 名单中", "报送了名单之外的县"),
    Code("duplicate-submission", W, "{county} 有多份不同的{appendix}：采用 {used}（{reason}），未采用 {unused}{diff}",
         "同一县同一附件有两份不同内容，按文件内部保存时间或文件名中的版本标记采用一份"),
    Code("version-figure-uncertain", W,
         "{county} 的{appendix}版本待确认：「{field}」此处为 {value}，未采用的 {unused} 为 {other}。"
         "确认前汇总表暂按 {value} 计入，标红，合计和情况报告写明含待确认的数",
         "版本待确认（version-uncertain）的县，几份版本里不同的那几个数：汇总表里标红，合计和情况报告写明含待确认的数"),
    Code("version-uncertain", E,
         "{county} 有多份不同的{appendix}，无法可靠判断哪份最新：{reason}。暂采用 {used}，未采用 {unused}{diff}。"
         "请向该县确认，只留下应采用的一份后重新汇总",
         "两个版本只能按文件系统时间区分，或文件内部时间与文件名标记互相矛盾"),
    Code("rollup-incomplete", E, "这像是 zhenggai 生成的汇总表，但{detail}，无法作为市州汇总读取",
         "汇总表缺少工作表或表头，整份不读"),
    Code("rollup-unnamed", W, "汇总表标题中没有市（州）名称（汇总时未用 --prefecture），按文件名记为“{prefecture}”；"
         "如不对，请该市（州）用 --prefecture 重新汇总", "市州汇总表的标题里没有市州名称，市州名取自文件名"),
    Code("rollup-total-differs", E, "「{field}」的合计行为 {total}，但各县（市、区）行相加为 {sum}：汇总表生成后被改动过？"
         "全省汇总按各县（市、区）行计；请该市（州）核实后重新汇总报送", "市州汇总表的合计行与各县行之和不一致（汇总表被手工改过）"),
    Code("rollup-sheets-disagree", E, "{county}：{detail}。汇总表生成后被改动过？全省汇总和情况报告都不计该县的数（标为文件无法读取）；"
         "请该市（州）核实后重新汇总报送", "市州汇总表的汇总概览、整改清单汇总、成果统计汇总对同一个县说法不一（汇总表被手工改过）"),
    Code("rollup-count-unreadable", E, "汇总概览中{county}的「{field}」为“{value}”，不是问题个数：全省汇总和情况报告都不计该县的数"
         "（标为文件无法读取），不按 0 计；请该市（州）核实后重新汇总报送", "市州汇总表汇总概览中的问题个数不是整数（被改成文字或清空）"),
    Code("rollup-no-findings", W, "汇总表缺少“校验问题”工作表：该市州各县的校验问题没有带入全省汇总",
         "汇总表没有“校验问题”工作表"),
    Code("duplicate-identical", INFO, "{county} 的{appendix}有内容相同的副本 {unused}，只计一次",
         "内容完全相同的重复文件"),
    Code("official-count-differs", W,
         "{county} 自己填报 {reported} 个问题、已完成 {reported_done} 个；汇总按反馈问题清单计 {total} 个问题、"
         "已完成 {done} 个（清单中没有填报或已删除的问题计为未完成）",
         "县里填报的问题数、已完成数与按反馈问题清单核定的不同：汇总用清单的数，两个数都写在批注里"),
    Code("total-incomplete", W, "合计不含 {counties}：{why}，合计不是全部县（市、区）的数",
         "未报送或读不出、反馈问题清单里又没有的县不在合计里：合计标红并写明缺哪些县"),
    Code("rollup-among-replies", E, "这是一份汇总表，其中的县（市、区）（{counties}）都不在本次的县级报送中，它的数据没有计入本次汇总："
         "收件夹里混有汇总表和县级报送（或手工汇总的表格）。全省汇总请只放各市（州）用 zhenggai 生成的汇总表，"
         "上一轮的汇总表请用 --previous 给出", "县级报送中混有另一批县的汇总表（如全省收件中一个市州交了手工汇总的表格）：其数据未计入"),
    Code("county-in-two-prefectures", E, "{county} 在 {prefectures} 的汇总表中都有，{how}；已分别计入：若是同一个县，全省合计多算了一次。"
         "请核实它属于哪个市州，从另一个市州的汇总表中删去后重新汇总",
         "全省汇总时，同一个县（市、区）名出现在两个市州的汇总表中"),
    Code("prefecture-not-submitted", E, "{prefecture} 未报送汇总表", "--expect 中的市州没有汇总表"),
    Code("prefecture-unexpected", W, "{prefecture} 不在 --expect 名单中", "报来了名单之外的市州汇总表"),
    # --- feedback problem list (--problems) -------------------------------------------
    Code("problem-list-hidden-sheet", W, "反馈问题清单的隐藏工作表“{name}”没有读取（隐藏的工作表多是旧版本）；如果其中的问题也要计入，"
         "请取消隐藏后再汇总", "反馈问题清单中隐藏的工作表不读取"),
    Code("problem-list-duplicate", E, "反馈问题清单中 {county} 的问题“{problem}”出现了两次（{first}、{second}），"
         "按一个问题计入反馈问题数；请核实清单", "反馈问题清单中同一个县的同一个问题列了两次：按一个计，须核实"),
    Code("problems-unreadable", E, "反馈问题清单无法使用：{reason}", "--problems 文件读不出问题清单"),
    Code("problem-unanswered", E, "反馈问题未整改：{county} 的反馈问题“{problem}”在附件1中没有对应的行",
         "反馈问题清单中的问题在附件1中找不到"),
    Code("problem-reworded", W, "问题描述与反馈问题清单不完全一致，按相近文字匹配：清单为“{problem}”，填报为“{value}”",
         "问题描述改写过，按相似度匹配"),
    Code("problem-extra", W, "此问题在 {county} 的反馈问题清单中找不到", "附件1 多出清单之外的问题"),
    Code("problem-answers-disagree", E, "反馈问题“{problem}”填了几行，是否完成整改不一致（{answers}），无法确定是否已完成，"
         "按未完成计入完成率；请合并为一行，或删除不再适用的行", "同一反馈问题填了几行，有的填“是”有的填“否”：按未完成计并报错"),
    Code("problem-answered-twice", W, "反馈问题“{problem}”在第 {other_row} 行已经填报过", "同一反馈问题填了两次"),
    Code("problem-count-mismatch", E, "反馈问题数为 {value}，但反馈问题清单中 {county} 有 {total} 个问题",
         "附件2 反馈问题数 与 清单不一致"),
    # --- between two rounds (merge --previous, diff) -----------------------------------
    Code("round-item-finished", INFO, "上次报送时未完成，本次已完成整改", "上一轮“否”、本轮“是”的问题"),
    Code("round-item-reopened", E, "上次报送时已完成整改，本次改为未完成：请说明原因，或改回“是”",
         "上一轮“是”、本轮“否”的问题（重新打开）"),
    Code("round-deadline-postponed", W, "完成时限由 {old} 推迟到 {new}", "未完成问题的完成时限比上一轮推迟"),
    Code("round-deadline-past", E, "完成时限由 {old} 推迟到 {new}，超过整改期限 {deadline}",
         "未完成问题的完成时限推迟到整改期限之后"),
    Code("round-measure-unchanged", W, "问题仍未完成，整改措施与上次报送一字未改，没有报告新的进展",
         "未完成问题的整改措施与上一轮相同"),
    Code("round-measure-pledge-only", W, "问题仍未完成，整改措施与上次相比{detail}，没有新的具体进展",
         "未完成问题的整改措施只增加了表态性文字（按 表态性 一节的规则没有新的动作或成果数量），或只删减了文字"),
    Code("round-item-missing", E, "上次报送的问题“{problem}”（{where}）本次没有了：问题不能从整改清单中删除",
         "上一轮有、本轮没有的问题"),
    Code("round-item-new", W, "此问题上次报送中没有（如是改写了问题描述，请与上次保持一致）", "本轮新出现的问题"),
    Code("round-problem-reworded", W, "问题描述与上次报送不同（按序号和相近文字对应）：上次为“{problem}”",
         "同一序号的问题描述与上一轮不同"),
    Code("round-indicator-decreased", W, "「{field}」是累计数，本次 {new} 比上次 {old} 少：请核实",
         "累计性的成果指标比上一轮少"),
    Code("round-county-silent", E, "{county} 上次报送了，本次没有报送", "上一轮报送、本轮没有报送的县"),
    Code("round-county-renamed", W, "上一轮的「{old}」和本轮的「{new}」名称不同，按同一个县比较；如果不是同一个县，请改正县名",
         "上一轮和本轮的县名只差简称（如谷城 / 谷城县），按同一个县比较"),
    Code("round-county-unchanged", W, "{county} 本次报送与上次完全相同，{open} 个未完成的问题都没有报告新的进展",
         "整份报送与上一轮相同（仍有未完成的问题）"),
)

CATALOGUE: dict[str, Code] = {c.code: c for c in _CODES}


@pickled_by_fields  # a second CPU's and a reader worker's findings come back pickled
@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One data problem, positioned at the cell the clerk must change to fix it."""

    code: str
    severity: Severity
    message: str
    file: str
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None
    field: str | None = None
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a finding (``file`` is given by the enclosing file entry)."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "field": self.field,
            "value": self.value,
            "message": self.message,
        }


def make(
    code: FindingCode,
    *,
    file: str,
    sheet: str | None = None,
    cell: str | None = None,
    row: int | None = None,
    field: str | None = None,
    value: str | None = None,
    **params: object,
) -> Finding:
    """Build a finding from the catalogue; ``params`` fill the message template."""
    entry = CATALOGUE[code]
    message = entry.template.format(field=field or "", value=value or "", **params)
    return Finding(
        code=code,
        severity=entry.severity,
        message=message,
        file=file,
        sheet=sheet,
        cell=cell,
        row=row,
        field=field,
        value=value,
    )


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """1-based Excel row and 0-based column → A1 address."""
    return f"{column_letter(col)}{row}"


def parse_a1(cell: str) -> tuple[int, int] | None:
    """A1 address → (1-based row, 0-based column), the inverse of :func:`a1`; ``None`` when
    ``cell`` is not one ("表格2 第5行", "C", "7"). The one A1 parser."""
    text = cell.strip().upper().replace("$", "")
    letters = len(text) - len(text.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    digits = text[letters:]
    if not 1 <= letters <= 3 or not digits.isascii() or not digits.isdigit() or int(digits) < 1:
        return None
    col = 0
    for ch in text[:letters]:
        col = col * 26 + ord(ch) - 64
    return int(digits), col - 1


def _column_number(cell: str | None) -> int:
    """Sort position of a finding's column: -1 for none, after all columns for a non-A1 place."""
    if not cell:
        return -1
    place = parse_a1(cell)
    return place[1] + 1 if place else 1 << 20


def sort_key(f: Finding) -> tuple[str, str, int, int, int, str]:
    """Deterministic order: file, sheet, row, column, then severity and code."""
    return (f.file, f.sheet or "", f.row or 0, _column_number(f.cell), f.severity.rank, f.code)


@dataclass(frozen=True, slots=True)
class TableInfo:
    """One table found in a file: which appendix, on which sheet, how many data rows."""

    kind: str  # "appendix1" | "appendix2"
    sheet: str
    rows: int


@dataclass(frozen=True, slots=True)
class FileReport:
    """What validation found in one file."""

    path: str
    county: str | None
    tables: tuple[TableInfo, ...]
    findings: tuple[Finding, ...]

    def count(self, severity: Severity) -> int:
        """Number of findings of this severity."""
        return sum(1 for f in self.findings if f.severity is severity)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape documented in the README."""
        return {
            "path": self.path,
            "county": self.county,
            "tables": [{"kind": t.kind, "sheet": t.sheet, "rows": t.rows} for t in self.tables],
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class Report:
    """The result of a validate run: one entry per file, and the totals."""

    files: tuple[FileReport, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> int:
        """Total error findings."""
        return sum(f.count(Severity.ERROR) for f in self.files)

    @property
    def warnings(self) -> int:
        """Total warning findings."""
        return sum(f.count(Severity.WARNING) for f in self.files)

    def findings(self) -> list[Finding]:
        """Every finding of every file, in report order."""
        return [f for fr in self.files for f in fr.findings]

    def flatten(self, keys: tuple[str, ...] = ("cell", "code")) -> list[list[Any]]:
        """Findings as lists of the given attributes: handy in tests."""
        return [[getattr(f, k) for k in keys] for f in self.findings()]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape documented in the README (add keys, never rename)."""
        return {
            "files": [f.to_dict() for f in self.files],
            "errors": self.errors,
            "warnings": self.warnings,
        }

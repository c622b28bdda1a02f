"""The import workbook's sheets and columns (Chinese names, English aliases), in one place."""

from __future__ import annotations

from dataclasses import dataclass

from carrier_tracker import text_fields as tf


@dataclass(frozen=True)
class Column:
    """One column: its Chinese header, accepted aliases, whether a value is required, and for
    text its maximum length in characters (0: not free text — a level, number, date, flag or
    UID, checked by its own rule)."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    hint: str = ""
    width: int = 14
    max_len: int = 0


@dataclass(frozen=True)
class Sheet:
    """One sheet: Chinese name, aliases, columns; ``optional`` sheets may be absent."""

    key: str
    name: str
    aliases: tuple[str, ...]
    columns: tuple[Column, ...]
    optional: bool = False

    def column(self, key: str) -> Column:
        """The column with this key."""
        return next(c for c in self.columns if c.key == key)


MEETING = Sheet(
    "meeting",
    "会议",
    ("meeting", "meetings"),
    (
        Column(
            "code",
            "会议代号",
            ("code", "代号"),
            hint="唯一，命令行中使用，如 HY2026-07",
            max_len=tf.MEETING_CODE,
        ),
        Column("title", "会议名称", ("title", "名称"), width=30, max_len=tf.MEETING_TITLE),
        Column("level", "密级", ("level", "classification"), hint="秘密 / 机密 / 绝密 / 内部"),
        Column("venue", "地点", ("venue", "会议地点"), required=False, width=20, max_len=tf.VENUE),
        Column(
            "starts_at",
            "开始时间",
            ("starts_at", "start"),
            required=False,
            hint="2026-12-01 09:00",
            width=18,
        ),
        Column("ends_at", "结束时间", ("ends_at", "end"), required=False, width=18),
        Column(
            "organizer", "主办部门", ("organizer",), required=False, width=16, max_len=tf.ORGANIZER
        ),
        Column(
            "officer",
            "保密负责人",
            ("officer", "security officer"),
            required=False,
            hint="仅作记录：批准带离、挂失等须由登记为保密负责人的操作员凭 PIN 进行",
            max_len=tf.OFFICER,
        ),
        Column(
            "requires_passes",
            "实行会议证",
            ("requires_passes", "passes"),
            required=False,
            hint="是/否；空 = 机密级以上为是",
        ),
        Column(
            "kind",
            "类型",
            ("kind", "type", "会议类型"),
            required=False,
            hint="涉密会议 / 外出携带；空 = 涉密会议",
        ),
        Column(
            "due_on",
            "应交回日期",
            ("due_on", "due", "交回日期"),
            required=False,
            hint="YYYY-MM-DD；外出携带必填，不早于今天",
        ),
    ),
)

ATTENDEES = Sheet(
    "attendees",
    "参会人员",
    ("attendees", "people", "participants"),
    (
        Column(
            "code",
            "人员编号",
            ("code", "编号"),
            hint="会议内唯一，如 A001",
            width=10,
            max_len=tf.ATTENDEE_CODE,
        ),
        Column("name", "姓名", ("name",), width=10, max_len=tf.ATTENDEE_NAME),
        Column(
            "unit",
            "单位",
            ("unit", "organisation", "organization"),
            required=False,
            width=24,
            max_len=tf.UNIT,
        ),
        Column(
            "title", "职务", ("title", "position"), required=False, width=12, max_len=tf.POSITION
        ),
        Column(
            "out_of_town",
            "外地代表",
            ("out_of_town", "外地"),
            required=False,
            hint="是/否",
            width=10,
        ),
        Column("clearance", "知悉级别", ("clearance", "密级"), hint="可知悉的最高密级", width=10),
        Column(
            "pass_number",
            "会议证号",
            ("pass_number", "pass"),
            required=False,
            width=10,
            max_len=tf.PASS_NUMBER,
        ),
        Column(
            "pass_uid",
            "会议证标签UID",
            ("pass_uid", "pass tag", "会议证标签"),
            required=False,
            hint="4、7 或 10 字节十六进制，可带冒号",
            width=18,
        ),
        Column(
            "pledge_on",
            "承诺书",
            ("pledge_on", "pledge", "保密承诺书"),
            required=False,
            hint="签署保密承诺书的日期，如 2026-12-01；未签留空",
            width=12,
        ),
    ),
)

DOCUMENTS = Sheet(
    "documents",
    "文件",
    ("documents", "docs"),
    (
        Column(
            "number", "文件编号", ("number", "doc_no", "编号"), width=12, max_len=tf.DOCUMENT_NUMBER
        ),
        Column("title", "文件名称", ("title", "名称"), width=36, max_len=tf.DOCUMENT_TITLE),
        Column("level", "密级", ("level", "classification"), width=8),
        Column("copies", "份数", ("copies", "count"), hint="正整数", width=8),
        Column(
            "collect_at_breaks",
            "休会收回",
            ("collect_at_breaks", "公用性文件"),
            required=False,
            hint="是/否",
            width=10,
        ),
        Column(
            "may_take_away",
            "允许带离",
            ("may_take_away", "take_away"),
            required=False,
            hint="是/否",
            width=10,
        ),
        Column(
            "plan",
            "分发范围",
            ("plan", "distribution", "分发"),
            required=False,
            hint="空 = 全体；否则填人员编号或单位名称，用“、”分隔，如 A001、A003、国家保密局",
            width=24,
        ),
    ),
)

TAGS = Sheet(
    "tags",
    "标签绑定",
    ("tags", "bindings", "tag bindings"),
    (
        Column(
            "document",
            "文件编号",
            ("document", "doc_no", "number"),
            width=12,
            max_len=tf.DOCUMENT_NUMBER,
        ),
        Column("copy", "份号", ("copy", "copy_no"), width=8),
        Column(
            "uid",
            "标签UID",
            ("uid", "tag_uid", "标签"),
            hint="4、7 或 10 字节十六进制，可带冒号",
            width=20,
        ),
    ),
    optional=True,
)

SHEETS = (MEETING, ATTENDEES, DOCUMENTS, TAGS)

TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "✓", "√", "对", "t"})
"""What a 是/否 cell may hold for yes (compared after normalising and lower-casing)."""
FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", "", "×", "x", "f"})
"""What a 是/否 cell may hold for no."""

INSTRUCTIONS_SHEET = "说明"
"""The template's first sheet, holding :data:`INSTRUCTIONS` (the import never reads it)."""

INSTRUCTIONS = (
    "填写说明",
    "1. 每个工作表第一行为表头，请勿修改表头文字；从第二行起每行一条记录。",
    "2. “会议”表只填一行。密级填 秘密、机密、绝密 或 内部。",
    "3. “参会人员”表中人员编号在本会议内唯一；知悉级别不得低于所领文件的密级。",
    "4. “文件”表中份数为正整数，系统按 001…N 生成份号。",
    "   “分发范围”可不填（全体）；否则填人员编号或参会人员的单位名称，用“、”分隔；编号与单位同名时写“单位：名称”。",
    "5. “参会人员”表的“承诺书”列可选：填签署保密承诺书的日期（如 2026-12-01），未签留空。",
    "6. “标签绑定”表可选：为每一份文件登记标签 UID（4、7 或 10 字节十六进制，可带冒号）。",
    "7. 导入前系统会检查整个文件，发现任何问题则全部不导入，并逐条列出表名、行号和列名（最多列出前 50 处）。",
    "   上限：文件 20 MB，参会人员 10,000 人，文件 1,000 种，每种 10,000 份，全会合计 100,000 份；文字长度见各列表头批注。",
    "8. 标签中只保存 UID，切勿写入文件名称或内容。",
)

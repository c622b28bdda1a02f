"""Build samples/meeting.xlsx (the demo meeting), or a large synthetic meeting for benchmarks.

    python samples/make_sample.py                       # rewrites samples/meeting.xlsx
    python samples/make_sample.py --attendees 2000 --copies 50000 -o /tmp/big.xlsx

Every copy and pass gets a distinct, deterministic 7-byte NXP-style UID (04 xx xx xx xx xx xx).
"""

from __future__ import annotations

import argparse
import hashlib
from datetime import datetime
from pathlib import Path

import openpyxl

from carrier_tracker.paper.workbook_schema import ATTENDEES, DOCUMENTS, MEETING, TAGS

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "志强",
    "海燕",
    "晓东",
    "国庆",
    "红梅",
    "文博",
    "思远",
]
UNITS = [
    ("昆明贵金属研究所 科技处", False),
    ("昆明贵金属研究所 保密办", False),
    ("贵研铂业股份有限公司 生产部", False),
    ("贵研铂业股份有限公司 质量部", False),
    ("云南省国防科工办", True),
    ("北京有色金属研究总院", True),
    ("西北有色金属研究院", True),
    ("中国工程物理研究院 材料所", True),
]
TITLES = [
    "所长",
    "副所长",
    "处长",
    "副处长",
    "主任",
    "高级工程师",
    "工程师",
    "研究员",
    "副研究员",
    "科员",
]
DOCUMENTS_SAMPLE = [
    ("HY-01", "2027 年度科研生产计划（审议稿）", "机密", 40, True, False),
    ("HY-02", "铂族金属新材料型号配套任务书", "机密", 12, False, True),
    ("HY-03", "保密资格复审自评估报告", "秘密", 45, True, False),
    ("HY-04", "重点型号质量问题归零报告", "机密", 8, True, False),
    ("HY-05", "军品科研项目经费安排", "秘密", 30, False, True),
    ("HY-06", "会议议程及代表名单", "内部", 60, False, True),
    ("HY-07", "关键工艺技术状态汇报材料", "机密", 25, True, False),
    ("HY-08", "涉密会议保密须知", "内部", 5, False, True),
]

# 分发范围: HY-07 goes to one delegate and one unit only (the demo shows the refusal).
PLANS = {"HY-07": "A003、昆明贵金属研究所 保密办"}


def uid_for(label: str) -> str:
    """A deterministic 7-byte NXP-style UID for a carrier label."""
    digest = hashlib.sha256(label.encode()).hexdigest().upper()
    return "04" + digest[:12]


def person_name(i: int) -> str:
    return SURNAMES[(i * 7) % len(SURNAMES)] + GIVEN[(i * 13 + i // len(SURNAMES)) % len(GIVEN)]


def build(path: Path, attendees: int, copies_total: int | None, code: str) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)

    def sheet(spec, rows):  # type: ignore[no-untyped-def]
        ws = wb.create_sheet(spec.name)
        ws.append([c.header for c in spec.columns])
        for row in rows:
            ws.append(row)
        for j, c in enumerate(spec.columns, start=1):
            ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width = c.width

    sheet(
        MEETING,
        [
            [
                code,
                "2027 年度科研生产工作会议",
                "机密",
                "所本部三楼第一会议室（屏蔽会议室）",
                datetime(2026, 12, 8, 8, 30),
                datetime(2026, 12, 9, 17, 30),
                "党政办公室",
                "赵保密",
                "是",
            ]
        ],
    )

    people = []
    for i in range(1, attendees + 1):
        unit, out_of_town = UNITS[(i * 5) % len(UNITS)]
        # Every tenth person is cleared only for 秘密: the demo shows a 知悉范围 refusal.
        clearance = "秘密" if i % 10 == 0 else ("绝密" if i % 17 == 0 else "机密")
        acode = f"A{i:03d}" if attendees < 1000 else f"A{i:05d}"
        people.append(
            [
                acode,
                person_name(i),
                unit,
                TITLES[i % len(TITLES)],
                "是" if out_of_town else "否",
                clearance,
                f"P{i:03d}" if attendees < 1000 else f"P{i:05d}",
                uid_for(f"{code}/pass/{acode}"),
            ]
        )
    sheet(ATTENDEES, people)

    if copies_total is None:
        docs = DOCUMENTS_SAMPLE
    else:
        per = 50
        n_docs = max(1, copies_total // per)
        docs = [
            (
                f"D{k:04d}",
                f"测试文件 {k}",
                ["机密", "秘密", "内部"][k % 3],
                per,
                k % 2 == 0,
                k % 5 == 0,
            )
            for k in range(1, n_docs + 1)
        ]
    sheet(
        DOCUMENTS,
        [
            [n, t, lvl, c, "是" if brk else "否", "是" if away else "否", PLANS.get(n)]
            for n, t, lvl, c, brk, away in docs
        ],
    )
    sheet(
        TAGS,
        [
            [n, k, uid_for(f"{code}/{n}/{k}")]
            for n, _t, _l, c, _b, _a in docs
            for k in range(1, c + 1)
        ],
    )
    wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "-o", "--output", type=Path, default=Path(__file__).with_name("meeting.xlsx")
    )
    parser.add_argument("--attendees", type=int, default=40)
    parser.add_argument(
        "--copies", type=int, default=None, help="total copies (synthetic documents of 50 copies)"
    )
    parser.add_argument("--code", default="HY2026-12")
    args = parser.parse_args()
    build(args.output, args.attendees, args.copies, args.code)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

"""The columns of every table the 保密办 workbook prints (header, widest width, kind) and its
sheet names."""

from __future__ import annotations

from collections.abc import Sequence

from carrier_tracker.paper.layout import Column


def _cols(spec: Sequence[tuple[str, float, str]]) -> list[Column]:
    return [Column(header, width, kind) for header, width, kind in spec]


T, C, N, TM, D, M = "text", "center", "num", "time", "date", "mono"
REGISTER_COLUMNS = _cols(
    [("序号", 7, C), ("文件编号", 12, C), ("文件名称", 34, T), ("密级", 6, C), ("份号", 6, C),
     ("领取人", 10, C), ("单位", 28, T), ("发放时间", 17.5, TM), ("发放经办人", 10, C),
     ("休会收回次数", 8, N), ("回收时间", 17.5, TM), ("回收经办人", 10, C), ("当前状态", 10, C),
     ("机要编号", 14, C), ("备注", 24, T)]
)  # fmt: skip
PASS_COLUMNS = _cols(
    [("序号", 7, C), ("会议证号", 10, C), ("持证人", 10, C), ("人员编号", 10, C), ("单位", 28, T),
     ("标签UID", 16, C), ("发放时间", 17.5, TM), ("发放经办人", 10, C), ("回收时间", 17.5, TM),
     ("回收经办人", 10, C), ("当前状态", 10, C), ("备注", 24, T)]
)  # fmt: skip
OUTSTANDING_COLUMNS = _cols(
    [("序号", 7, C), ("人员编号", 10, C), ("姓名", 14, C), ("单位", 28, T), ("类别", 8, C),
     ("文件编号", 12, C), ("份号/证号", 10, C), ("当前状态", 10, C), ("自何时", 17.5, TM)]
)  # fmt: skip
COURIER_COLUMNS = _cols(
    [("序号", 7, C), ("机要编号", 14, C), ("所属代表", 14, C), ("接收单位", 22, T),
     ("接收人", 10, C), ("文件编号", 12, C), ("文件名称", 32, T), ("密级", 6, C), ("份号", 6, C),
     ("交寄人", 14, C), ("发出时间", 17.5, TM), ("签收时间", 17.5, TM), ("回执日期", 17.5, TM),
     ("当前状态", 10, C)]
)  # fmt: skip
PLAN_COLUMNS = _cols(
    [("序号", 7, C), ("文件编号", 12, C), ("文件名称", 26, T), ("分发范围", 26, T),
     ("应发人数", 8, N), ("已发人数", 8, N), ("未领取人数", 8, N), ("未领取人员", 40, T),
     ("范围外领取（经批准）", 24, T), ("在外份数", 8, N), ("已收回份数", 8, N)]
)  # fmt: skip
CARRY_COLUMNS = _cols(
    [("序号", 7, C), ("人员编号", 10, C), ("姓名", 10, C), ("单位", 28, T), ("文件编号", 12, C),
     ("文件名称", 34, T), ("密级", 6, C), ("份号", 6, C), ("带离时间", 17.5, TM),
     ("批准人", 10, C), ("当前状态", 10, C)]
)  # fmt: skip
# The columns plus 标签UID (unknown tags have no carrier), 批准人 (the officer who
# approved a step at a custodian's desk) and 说明 (loss reports, import digest). States and
# consignments are on the register and courier sheets, not repeated here.
LOG_COLUMNS = _cols(
    [("序号", 7, C), ("时间", 17.5, TM), ("工作台", 12, C), ("操作员", 10, C), ("批准人", 10, C),
     ("操作", 10, C), ("载体", 22, T), ("标签UID", 13, M), ("人员", 10, C), ("结果", 10, C),
     ("原因", 28, T), ("说明", 28, T), ("哈希", 30, M)]
)  # fmt: skip
PLEDGE_COLUMNS = _cols(
    [("序号", 7, C), ("人员编号", 10, C), ("姓名", 10, C), ("单位", 28, T), ("会议证号", 10, C),
     ("承诺书签署日期", 12, D), ("保密教育日期", 12, D), ("登记人", 10, C),
     ("登记时间", 17.5, TM), ("会议证状态", 10, C), ("提示", 24, T)]
)  # fmt: skip
FILING_COLUMNS = _cols([("项目", 22, T), ("内容", 60, T)])
CHECK_COLUMNS = _cols(
    [("检查表", 14, C), ("序号", 6, C), ("项目编号", 12, C), ("项目", 14, T), ("检查内容", 40, T),
     ("结果", 10, C), ("备注", 24, T), ("作答人", 10, C), ("作答时间", 17.5, TM),
     ("接受人", 10, C), ("接受说明", 24, T), ("接受时间", 17.5, TM)]
)  # fmt: skip
SWEEP_COLUMNS = _cols(
    [("序号", 7, C), ("时间", 17.5, TM), ("地点", 16, T), ("载体", 26, T), ("原持有人", 10, C),
     ("操作员", 10, C), ("结果", 8, C), ("原因", 36, T)]
)  # fmt: skip


def _headers(columns: Sequence[Column]) -> list[str]:
    return [c.header for c in columns]


REGISTER_HEADERS = _headers(REGISTER_COLUMNS)
PASS_HEADERS = _headers(PASS_COLUMNS)
OUTSTANDING_HEADERS = _headers(OUTSTANDING_COLUMNS)
COURIER_HEADERS = _headers(COURIER_COLUMNS)
PLAN_HEADERS = _headers(PLAN_COLUMNS)
CARRY_HEADERS = _headers(CARRY_COLUMNS)
LOG_HEADERS = _headers(LOG_COLUMNS)
PLEDGE_HEADERS = _headers(PLEDGE_COLUMNS)

SUMMARY_SHEET, REGISTER_SHEET, PASS_SHEET, OUTSTANDING_SHEET = (
    "汇总",
    "文件发放回收登记表",
    "会议证发放回收",
    "未收回清单",
)
COURIER_SHEET, CARRY_SHEET, LOG_SHEET = "机要递送登记", "带离文件目录", "操作日志"
PLAN_SHEET = "分发情况"
PLEDGE_SHEET = "保密承诺书登记"

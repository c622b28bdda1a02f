"""The message catalogue: every text a custodian sees, in Simplified Chinese, in one place.

Logic refers to messages by key; an English catalogue could be added here without touching it.
"""

from __future__ import annotations

from .enums import Action, CarrierKind, Level, MeetingStatus, Mode, State, Verdict

MODE_LABEL: dict[Mode, str] = {
    Mode.ISSUE: "发放",
    Mode.COLLECT: "休会收回",
    Mode.REISSUE: "复会发还",
    Mode.RECALL: "会后清退",
    Mode.CARRY_OUT: "带离",
    Mode.DISPATCH: "机要发出",
    Mode.DELIVER: "签收",
    Mode.RETURN: "退回",
    Mode.ENTRANCE: "入场核验",
    Mode.LOST: "挂失",
    Mode.FOUND: "找回",
}

ACTION_LABEL: dict[Action, str] = {
    Action.ENROLL: "绑定标签",
    Action.ISSUE: "发放",
    Action.COLLECT: "休会收回",
    Action.REISSUE: "复会发还",
    Action.RECALL: "清退收回",
    Action.CARRY_OUT: "带离",
    Action.DISPATCH: "机要发出",
    Action.DELIVER: "签收",
    Action.RETURN: "退回",
    Action.ENTRANCE: "入场核验",
    Action.REPORT_LOST: "挂失",
    Action.FOUND: "找回",
    Action.CONSIGNMENT: "登记机要件",
    Action.OPEN: "会议开始",
    Action.CLOSE: "会议结束",
    Action.IMPORT: "导入会议",
}

STATE_LABEL: dict[State, str] = {
    State.REGISTERED: "在库",
    State.ISSUED: "已发放",
    State.COLLECTED: "休会收回",
    State.CARRIED_OUT: "已带离",
    State.IN_TRANSIT: "机要递送中",
    State.DELIVERED: "已签收",
    State.RECOVERED: "已收回",
    State.LOST: "已挂失",
}

VERDICT_LABEL: dict[Verdict, str] = {
    Verdict.ACCEPTED: "成功",
    Verdict.ALREADY: "无需操作",
    Verdict.REFUSED: "拒绝",
}

KIND_LABEL: dict[CarrierKind, str] = {CarrierKind.COPY: "文件", CarrierKind.PASS: "会议证"}

MEETING_STATUS_LABEL: dict[MeetingStatus, str] = {
    MeetingStatus.PLANNED: "未开始",
    MeetingStatus.OPEN: "进行中",
    MeetingStatus.CLOSED: "已结束",
}

# Refusal reasons and other texts; formatted with str.format(**fields).
TEXT: dict[str, str] = {
    # tap refusals
    "unknown_tag": "未知标签 {uid}",
    "other_meeting": "标签属于其他会议 {meeting}",
    "meeting_closed": "会议已结束",
    "held_by_other": "{item} 已发给 {holder}",
    "attendee_required": "请先选择领取人",
    "attendee_unknown": "无此参会人员 {code}",
    "clearance": "知悉范围不足：{name} 为{clearance}，文件为{level}",
    "pass_required": "{name} 尚未领取会议证",
    "not_for_pass": "会议证不适用“{mode}”",
    "only_for_pass": "入场核验只接受会议证，{item} 是文件",
    "pass_owner": "会议证属于 {owner}，不能发给 {name}",
    "wrong_state": "{item} 当前{state}，不能{mode}",
    "reissue_other": "{item} 休会前由 {holder} 持有（改发他人需确认）",
    "not_take_away": "{item} 不允许带离会场",
    "not_out_of_town": "{name} 不是外地代表，不能带离文件",
    "officer_required": "需保密负责人批准（当前操作员：{operator}）",
    "note_required": "请填写说明",
    "consignment_required": "请先选择机要编号",
    "consignment_unknown": "无此机要编号 {number}",
    "consignment_other": "{item} 属于机要件 {number}",
    "delivered_final": "{item} 已由接收单位签收，不能挂失",
    "pass_not_issued": "{item} 未发放，不得入场",
    "admitted": "准予入场：{name}（{unit}）",
    # outcome lines
    "accepted": "{mode}：{item} → {holder}",
    "accepted_plain": "{mode}：{item}",
    "already": "{item} 已是{state}",
    # item labels
    "copy_item": "{doc} 第{copy:03d}份",
    "pass_item": "会议证 {number}（{name}）",
    # errors
    "no_meeting": "无此会议代号：{code}",
    "no_document": "会议 {meeting} 无文件编号 {number}",
    "no_copy": "文件 {number} 无第 {copy} 份（共 {copies} 份）",
    "no_attendee": "会议 {meeting} 无参会人员 {code}",
    "bad_uid": "标签 UID 格式错误：{uid}（应为 4、7 或 10 字节的十六进制）",
    "uid_bound": "标签 {uid} 已绑定到 {item}（会议 {meeting}）",
    "carrier_bound": "{item} 已绑定标签 {uid}",
    "consignment_exists": "机要编号 {number} 已存在",
    "close_outstanding": "尚有 {count} 件未收回，不能结束会议：",
    "close_lost": "有 {count} 件挂失，需保密负责人以 --with-exceptions --note 结束会议",
    "close_officer": "带例外结束会议需保密负责人操作（当前操作员：{operator}）",
    "already_closed": "会议 {code} 已于 {at} 结束",
    "schema_missing": "数据库尚未初始化：请先运行 carrier-tracker init",
    "schema_old": "数据库结构版本过旧（{current}，需要 {head}）：请运行 carrier-tracker init 升级",
    "db_unreachable": "无法连接数据库 {url}：{reason}",
    "meeting_exists": "会议代号 {code} 已存在",
    "key_unreadable": "无法读取台账密钥 {path}：{reason}",
    "key_permissions": "台账密钥 {path} 权限过宽（{mode}），应为 0600",
}


def text(key: str, **fields: object) -> str:
    """Format a catalogue entry.

    Args:
        key: the entry's key in :data:`TEXT`.
        **fields: values for its placeholders.

    Returns:
        The formatted Chinese text.
    """
    return TEXT[key].format(**fields)


def level_label(level: Level | str) -> str:
    """The label of a level, e.g. ``机密``."""
    return Level(level).value

"""The message catalogue: every text a custodian sees, in Simplified Chinese, in one place.

Logic refers to messages by key; an English catalogue could be added here without touching it.
"""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime, timedelta

from carrier_tracker.enums import (
    MODE_ACTION,
    Action,
    Answer,
    CarrierKind,
    Disposal,
    Level,
    MeetingStatus,
    Mode,
    PlaceKind,
    State,
    Verdict,
)

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
    Mode.SWEEP: "巡检",
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
    Action.ATTENDEE_ADD: "增补人员",
    Action.SUBSTITUTE: "代会",
    Action.COPIES_ADD: "加印",
    Action.WITHDRAW: "作废",
    Action.RETAG: "换标签",
    Action.VOID: "撤销",
    Action.PLAN: "修改分发范围",
    Action.RECEIPT: "机要回执",
    Action.SWEEP: "会后巡检找回",
    Action.FILE: "会议备案",
    Action.CHECK: "检查表作答",
    Action.CHECK_ACCEPT: "接受不符合项",
    Action.DISPOSE: "处置",
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
    State.WITHDRAWN: "已作废",
    State.ARCHIVED: "已归档",
    State.DESTROYED: "已销毁",
    State.SENT_BACK: "已退回发文单位",
}

DISPOSAL_LABEL: dict[Disposal, str] = {
    Disposal.ARCHIVE: "归档",
    Disposal.DESTROY: "销毁",
    Disposal.RETURN: "退回发文单位",
}

PLACE_KIND_LABEL: dict[str, str] = {PlaceKind.ARCHIVE: "归档地点", PlaceKind.UNIT: "退回单位"}

VERDICT_LABEL: dict[Verdict, str] = {
    Verdict.ACCEPTED: "成功",
    Verdict.ALREADY: "无需操作",
    Verdict.REFUSED: "拒绝",
}

KIND_LABEL: dict[CarrierKind, str] = {CarrierKind.COPY: "文件", CarrierKind.PASS: "会议证"}

MEETING_STATUS_LABEL: dict[MeetingStatus, str] = {
    MeetingStatus.DRAFT: "草稿",
    MeetingStatus.FILED: "已备案",
    MeetingStatus.OPEN: "进行中",
    MeetingStatus.CLOSED: "已结束",
}

# Column names as people read them (verify's differences).
COLUMN_LABEL: dict[str, str] = {
    "code": "编号",
    "title": "名称/职务",
    "level": "密级",
    "venue": "地点",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "organizer": "主办部门",
    "officer": "保密负责人",
    "requires_passes": "实行会议证",
    "due_on": "应交回日期",
    "name": "姓名",
    "unit": "单位",
    "out_of_town": "外地代表",
    "clearance": "知悉范围",
    "pass_number": "会议证号",
    "number": "编号",
    "copies": "份数",
    "collect_at_breaks": "休会收回",
    "may_take_away": "允许带离",
    "kind": "类别",
    "document_id": "所属文件",
    "copy_number": "份号",
    "owner_id": "持证人",
    "tag_uid": "标签",
    "tag_released": "标签已释放",
    "consignment_id": "机要件",
    "recipient": "接收人",
    "substitute_for_id": "代会（所代人员）",
    "carrier_id": "载体",
    "replaced_by": "换为",
    "plan": "分发范围",
    "attendee_id": "所属代表",
    "filed_ref": "备案编号",
    "filed_on": "备案日期",
    "filed_by": "备案批准人",
    "plan_title": "专项保密工作方案",
    "answer": "答案",
    "note": "备注",
    "operator": "作答人",
    "answered_at": "作答时间",
    "accepted_by": "接受人",
    "accept_note": "接受说明",
    "accepted_at": "接受时间",
    # rows the fold projects (verify's differences)
    "status": "状态",
    "closed_at": "结束时间",
    "closed_by": "结束操作人",
    "close_note": "结束说明",
    "close_approver": "结束批准人",
    "state": "状态",
    "holder_id": "持有人",
    "remembered_holder_id": "休会前持有人",
    "state_since": "状态起始时间",
    "dispatched_at": "发出时间",
    "received_at": "签收时间",
    "at": "时间",
    "operator_role": "角色",
    "operator_disabled": "已停用",
    "operator_card_uid": "批准卡",
    "operator_pin": "PIN 记录",
    "operator_failed_attempts": "连续失败次数",
    "operator_locked_until": "锁定至",
    "seq": "台账序号",
    "witnesses": "见证人",
    "method": "销毁方式",
    "location": "存放地点",
    "added_by": "登记人",
    "added_at": "登记时间",
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
    "trip_mode": "外出携带不适用“{mode}”：外出携带只有发放（带出）、会后清退（交回）、挂失与找回",
    "trip_no_pass": "外出携带不使用会议证",
    "only_for_pass": "入场核验只接受会议证，{item} 是文件",
    "pass_owner": "会议证属于 {owner}，不能发给 {name}",
    "wrong_state": "{item} 当前{state}，不能{mode}",
    "reissue_other": "{item} 休会前由 {holder} 持有，不能改发他人",
    "duplicate_copy": "{name} 已持有同一文件的 {items}，不重复发放",
    "pass_holder_has_copies": "{name} 尚持有 {items}，请先收回文件再收回会议证",
    "pass_holder_has_lost": "{name} 的 {items} 已挂失、尚未找回，收回其会议证需保密负责人批准",
    "admitted_again": "已入场（第 {n} 次）",
    "not_take_away": "{item} 不允许带离会场",
    "courier_not_take_away": "{item} 不允许带离：机要寄出须保密负责人批准例外",
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
    "accepted_to": "{mode}：{item} → {holder}",
    "accepted_from": "{mode}：{item} ← {holder}",
    "accepted_about": "{mode}：{item}（{holder}）",
    "accepted_plain": "{mode}：{item}",
    "already": "{item} 状态已是“{state}”",
    # item labels
    "copy_item": "{doc} 第{copy:03d}份",
    "pass_item": "会议证 {number}（{name}）",
    # errors
    "no_meeting": "无此会议代号：{code}",
    "no_document": "会议 {meeting} 无文件编号 {number}",
    "no_copy": "文件 {number} 无第 {copy} 份（共 {copies} 份）",
    "no_attendee": "会议 {meeting} 无参会人员 {code}",
    "bad_uid": "标签 UID 格式错误：{uid}（应为 4、7 或 10 字节的十六进制）",
    "carrier_bound": "{item} 已绑定标签 {uid}",
    "consignment_exists": "机要编号 {number} 已存在",
    "close_outstanding": "尚有 {count} 件未收回，不能结束会议：",
    "close_audit_failed": "数据库与台账不符，不能结束会议（先用 carrier-tracker verify 查明）：",
    "close_never_opened": "会议 {code} 从未开始（没有任何发放），如确需结束，请保密负责人加 --never-opened",
    "never_opened_only": "--never-opened 只用于从未开始的会议；会议 {code} 当前{status}",
    "close_never_opened_officer": "结束从未开始的会议需保密负责人操作（当前操作员：{operator}）",
    "closed_never_opened_note": "会议未开始即结束",
    # the read model (every view's counts and groups)
    "recon_summary": "未收回 {outstanding}（其中挂失 {lost}） · 已收回 {recovered}/{left} · 休会收回 {collected} · 已签收 {delivered} · 未发放 {never_issued} · 共 {total}",
    "all_back": "全部收回（另有 {never_issued} 件未发放）",
    "not_all_back": "未收回 {outstanding}",
    "group_attendee": "{code} {name}",
    "group_consignment": "机要件 {number}（递送中）",
    "group_unassigned": "无持有人",
    "close_lost": "有 {count} 件挂失，需保密负责人以 --with-exceptions --note 结束会议",
    "close_officer": "带例外结束会议需保密负责人操作（当前操作员：{operator}）",
    "trip_officer": "涉密载体外出须经保密负责人审批：{operator} 不是保密负责人（请保密负责人操作，或以 --approver 审批）",
    "trip_needs_due": "外出携带须有应交回日期",
    "trip_kind_unknown": "未知的会议类型：{kind}",
    "already_closed": "会议 {code} 已于 {at} 结束",
    "already_closed_no_time": "会议 {code} 已结束（未记录结束时间）",
    "schema_missing": "数据库尚未初始化：请先运行 carrier-tracker init",
    "schema_old": "数据库结构版本过旧（{current}，需要 {head}）：请运行 carrier-tracker init 升级",
    "db_unreachable": "无法连接数据库 {url}：{reason}",
    "db_locked": "数据库 {path} 正被另一个程序写入，等待 {seconds} 秒仍未释放；本次操作未记录，请稍后重试",
    "db_driver_missing": "数据库 {url} 所需的驱动未安装（{module}）：pip install 'carrier-tracker[postgres]'",
    "meeting_exists": "会议代号 {code} 已存在",
    "key_unreadable": "无法读取台账密钥 {path}：{reason}",
    # verify: the tables against the chain
    "audit_difference": "{what}：台账为 {want}，数据库为 {have}",
    "audit_meeting_status": "会议状态",
    "audit_meeting_field": "会议·{field}",
    "audit_consignment": "机要件 {number}",
    "audit_consignment_field": "机要件 {number}·{field}",
    "audit_present": "存在",
    "audit_ok": "完整",
    "anchor_line": "台账锚点 {seq}:{digest}（{verdict}；保密办可凭此用 verify --anchor 复核）",
    "anchor_bad": "锚点格式错误：{anchor}（应为 64 位十六进制头哈希，或 序号:哈希）",
    "anchor_needs_meeting": "--anchor 需要同时给出会议代号",
    "anchor_missing": "锚点 {anchor} 不在当前完整的台账中：台账被改写或截断",
    "anchor_found": "锚点已核实：台账第 {seq} 条事件哈希为 {digest}…，此后的台账完整",
    "audit_not_ok": "校验未通过",
    "audit_absent": "不存在",
    "audit_failed": "数据库与台账不符（{count} 处）：",
    "audit_no_snapshot": "（此会议由旧版本导入，台账中无参考数据快照：人员、文件与标签未能核对）",
    "key_missing_for_db": "台账密钥缺失：{path} 不存在，而此数据库已有台账（不会为它新建密钥）。请把原密钥文件放回该位置（0600），或用 CARRIER_TRACKER_KEY_FILE 指向它",
    "key_mismatch": "台账密钥与此数据库不符：{path} 的指纹为 {have}…，数据库记录的指纹为 {want}…。请使用创建此数据库时的密钥文件（CARRIER_TRACKER_KEY_FILE）",
    "key_permissions": "台账密钥 {path} 权限过宽（{mode}，其他用户可读写）：请运行 chmod 600 {path}",
    # core texts (storage, ledger, close)
    "bad_db_url": "URL 格式错误（SQLite 文件可直接给出路径，或写作 sqlite:////绝对路径；PostgreSQL 写作 postgresql+psycopg://用户@主机/库名）",
    "need_terminal": "{command} 是全屏界面，须在终端中运行（标准输入或输出不是终端）；无终端时可用 demo --script 或各命令行子命令",
    "db_unknown_kind": "不支持的数据库类型“{kind}”（SQLite 文件可直接给出路径，或写作 sqlite:////绝对路径；PostgreSQL 写作 postgresql+psycopg://用户@主机/库名）",
    "carrier_changed_elsewhere": "载体已被其他工作台修改，请重新刷卡",
    "chain_content_changed": "内容被修改（哈希不符）",
    "chain_gap": "缺少或错序：期望序号 {expected}，实为 {seq}",
    "chain_head_mac": "台账记录头校验码不符（记录头或末尾事件被回退、改动）",
    "chain_head_missing": "台账记录头缺失",
    "chain_prev_hash": "前序哈希不符",
    "chain_tail_missing": "台账末尾缺失（记录头为序号 {seq}）",
    "close_chain_broken": "  第 {broken_seq} 条起被篡改：{problem}",
    "closed_with_exceptions_note": "带例外结束（挂失 {n} 件）：{note}",
    "consignment_line": "{number} → {unit} {recipient}",
    "key_too_short": "密钥过短",
    "label_colon": "：",
    "labelled_note": "{label}：{note}",
    "not_filled": "未填写",
    "seq_conflict": "台账序号冲突（会议 {meeting_id} 序号 {seq}），请重试",
    "system_seq_conflict": "系统台账序号冲突（序号 {seq}），请重试",
    "tray_pass_item": "会议证 {code} {name}",
}

# hostile input (issue 10)
TEXT.update(
    {
        # text fields (carrier_tracker.text_fields)
        "text_too_long": "{label}过长：{length} 个字符，最多 {limit} 个",
        "text_control": "{label}含控制字符或不可见字符 {char}（第 {pos} 个字符），请删除后重试",
        "text_empty": "{label}不能为空",
        "text_shortened": "{head}…（共 {length} 个字符）",
        "code_collides": "{label} {code} 与已有的“{other}”在规范化（字母大小写、全角/半角、不可见字符）后相同，请换一个",
        "bad_utf8_arg": "第 {index} 个命令行参数含无效的 UTF-8 字节：{arg}（请检查终端或脚本的编码）",
        "bad_utf8_env": "环境变量 {name} 含无效的 UTF-8 字节",
        "copy_no_range": "份号应为 1 到 {limit} 之间的整数：{value}",
        # databases (carrier_tracker.storage.db)
        "db_not_sqlite": "{path} 不是 carrier-tracker 的 SQLite 数据库文件（或已损坏）；未做任何修改",
        "db_dir_missing": "数据库所在目录不存在：{dir}（请检查 --db；新建数据库请用 carrier-tracker init）",
        "db_missing": "数据库文件不存在：{path}（请检查 --db，或先运行 carrier-tracker init）",
        "db_not_file": "数据库路径不是普通文件：{path}",
        "db_unreadable": "无法打开数据库 {path}：{reason}",
        "db_read_only": "数据库 {path} 为只读（文件或目录不可写）：此时只能查询、核验和导出（status、verify、export、carry-list、meetings）",
        "schema_newer": "数据库由更新版本的 carrier-tracker 创建（结构版本 {current}，本程序最高 {head}）：请升级本程序；未做任何修改",
        # output files (export, carry list, template)
        "out_suffix": "输出文件应以 .xlsx 结尾：{path}",
        "out_dir_missing": "目录不存在：{dir}",
        "out_is_dir": "{path} 是一个目录，请给出文件名",
        "out_name_too_long": "文件名过长：{name}（最多 {limit} 字节）",
        "out_failed": "无法写入 {path}：{reason}（未留下任何文件）",
        # ledger key permissions
        "key_missing": "台账密钥 {path} 不存在：核验与导出需使用写入台账时的同一密钥（可用 CARRIER_TRACKER_KEY_FILE 指定）",
        "key_owner": "台账密钥 {path} 不属于当前用户（属主 uid {owner}）：请运行 chown {user} {path}",
        "key_dir_mode": "台账密钥所在目录 {dir} 的权限为 {mode}，其他用户可写（可替换密钥）：请运行 chmod go-w {dir}",
        "key_dir_owner": "台账密钥所在目录 {dir} 不属于当前用户（属主 uid {owner}）：请运行 chown {user} {dir}",
        # import bounds (carrier_tracker.paper.importer)
        "import_file_too_big": "{name}：文件过大（{size} MB，上限 {limit} MB），未导入",
        "import_unpacked_too_big": "{name}：解压后过大（{size} MB，上限 {limit} MB；可能是压缩炸弹），未导入",
        "import_xml_entities": "{name}：{part} 含 XML 实体声明（DOCTYPE/ENTITY），Excel 不会生成这样的文件，可能是恶意构造；未导入",
        "import_too_many_rows": "{sheet}：超过上限 {limit} {unit}，已停止读取；未导入",
        "import_too_many_parts": "{name}：压缩包内文件过多（{count} 个，上限 {limit}），不像 Excel 工作簿；未导入",
        "import_too_many_copies": "文件：份数合计 {count} 超过上限 {limit}；未导入",
        "import_more_problems": "  ……其余 {rest} 处未列出（共 {total} 处）",
        "import_unit_rows": "行",
        "import_unit_people": "人",
        "import_unit_documents": "种文件",
        "import_unit_tags": "条绑定",
    }
)

ROLE_LABEL: dict[str, str] = {"custodian": "文管员", "officer": "保密负责人", "auditor": "审计员"}
"""Operator roles as people name them."""

TEXT.update(
    {
        # operators and authentication (operators.py, the CLI)
        "pin_format": "PIN 须为 6–12 位数字",
        "pin_mismatch": "两次输入的 PIN 不一致",
        "pin_needed": "需要{who}的 PIN：设置环境变量 {env}，或加 {flag}，或在终端中运行",
        "pin_stdin_empty": "{flag}：标准输入中没有 PIN",
        "pin_bad_utf8": "{source}的 PIN 含无效的 UTF-8 字节（PIN 须为 6–12 位数字）",
        "pin_source_env": "环境变量 {env} 中",
        "pin_source_stdin": "{flag}（标准输入）中",
        "pin_source_prompt": "输入",
        "auth_unknown": "未登记的操作员：{name}（由保密负责人用 carrier-tracker operator add 登记）",
        "auth_disabled": "操作员 {name} 已停用",
        "auth_wrong_pin": "PIN 不正确（操作员 {name}，连续第 {n} 次；{limit} 次将锁定 {minutes} 分钟）",
        "auth_locked_now": "PIN 连续错误 {limit} 次：操作员 {name} 已锁定至 {until}",
        "auth_locked": "操作员 {name} 已锁定至 {until}（PIN 连续错误），请稍后再试或请保密负责人重置 PIN",
        "auth_auditor": "审计员 {name} 只能查看、导出与校验，不能记录操作",
        "auth_not_officer": "{what}需保密负责人：{name} 为{role}",
        "approver_not_officer": "批准人 {name} 不是保密负责人（为{role}）",
        "no_officer_yet": "尚无保密负责人：请先运行 carrier-tracker init --officer 姓名",
        "officer_exists": "已有保密负责人 {names}：新的操作员请由保密负责人用 carrier-tracker operator add 登记",
        "operator_exists": "操作员 {name} 已登记为{role}",
        "operator_unknown": "未登记的操作员：{name}",
        "operator_is_disabled": "操作员 {name} 已停用",
        "operator_last_officer": "{name} 是最后一位在用的保密负责人，不能停用或改为其他角色",
        # the system chain and its replay (verify)
        "system_chain": "系统台账",
        "system_missing_row": "操作员 {name}：台账为 {want}，数据库中没有",
        "system_extra_row": "操作员 {name}：数据库为 {have}，台账中没有（未经登记）",
        "system_operator_state": "{role}{disabled}",
        "system_disabled": "（已停用）",
        "system_operator": "操作员 {name}",
    }
)

FIELD_LABEL: dict[str, str] = {
    "meeting": "会议代号",
    "attendee": "人员编号",
    "document": "文件编号",
    "consignment": "机要编号",
    "unit": "接收单位",
    "recipient": "接收人",
    "operator": "操作员",
    "station": "工作台",
    "note": "说明",
    "operator_name": "操作员姓名",
    "approver": "批准人",
    "room": "检查地点",
    "filed_ref": "备案编号",
    "plan_title": "专项保密工作方案",
}
"""How a field is named in a refusal (the CLI adds its option, e.g. ``--operator（操作员）``)."""

OS_ERROR: dict[int, str] = {
    13: "没有权限",  # EACCES
    1: "不允许的操作",  # EPERM
    28: "磁盘空间不足",  # ENOSPC
    122: "磁盘配额已满",  # EDQUOT
    27: "文件过大（超出系统限制）",  # EFBIG
    30: "只读文件系统",  # EROFS
    36: "文件名过长",  # ENAMETOOLONG
    21: "是一个目录",  # EISDIR
    20: "路径中有一段不是目录",  # ENOTDIR
    2: "文件或目录不存在",  # ENOENT
    5: "输入/输出错误",  # EIO
}
"""Plain words for the errno values a custodian can meet (Linux numbering)."""


def text(key: str, **fields: object) -> str:
    """Format a catalogue entry.

    Args:
        key: the entry's key in :data:`TEXT`.
        **fields: values for its placeholders.

    Returns:
        The formatted Chinese text.
    """
    return TEXT[key].format(**fields)


def recon_summary(counts: dict[str, int]) -> str:
    """The read model's counts in one line (``status --json``'s ``counts`` keys)."""
    return (
        text(
            "recon_summary",
            outstanding=counts["outstanding"],
            lost=counts["lost"],
            recovered=counts["recovered"],
            left=counts["left_custody"],
            collected=counts["collected"],
            delivered=counts["delivered"],
            never_issued=counts["never_issued"],
            total=counts["total"],
        )
        + (text("recon_withdrawn", n=counts["withdrawn"]) if counts.get("withdrawn") else "")
        + (text("recon_disposed", n=counts["disposed"]) if counts.get("disposed") else "")
    )


def parse_mode(text: str) -> Mode:
    """A tap mode from its CLI spelling (``recall``) or its Chinese name (``会后清退``, ``清退``).

    Raises:
        ValueError: the text names no mode.
    """
    cleaned = text.strip()
    for mode in Mode:
        if cleaned.lower() in (mode.value, mode.name.lower(), mode.value.replace("-", "_")):
            return mode
        if cleaned in (MODE_LABEL[mode], ACTION_LABEL[MODE_ACTION[mode]]):
            return mode
    if cleaned == "清退":
        return Mode.RECALL
    raise ValueError(text)


def local_time(at: datetime | None) -> str:
    """A time for people: local, to the second, no year (``12-08 09:31:05``); ``-`` for none."""
    if at is None:
        return "-"
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    # The zone's offset looked up once per quarter hour of UTC, and the text put together by
    # hand: a status of 50,000 items spent a third of its time in astimezone and strftime.
    at += _utc_offset(at.year, at.month, at.day, at.hour, at.minute // 15, time.tzname)
    return f"{at.month:02d}-{at.day:02d} {at.hour:02d}:{at.minute:02d}:{at.second:02d}"


@functools.lru_cache(maxsize=256)
def _utc_offset(
    year: int, month: int, day: int, hour: int, quarter: int, _zone: tuple[str, str]
) -> timedelta:
    """The local zone's offset from UTC during this quarter hour of UTC (zones change their
    offset on a quarter hour at the finest); ``_zone`` keys the cache to the zone in force."""
    offset = datetime(year, month, day, hour, quarter * 15, tzinfo=UTC).astimezone().utcoffset()
    return offset or timedelta(0)


def local_iso(text: str | None) -> str:
    """:func:`local_time` of an ISO 8601 UTC string (``2026-12-08T01:31:05.123Z``)."""
    if not text:
        return "-"
    if len(text) >= 20 and text[-1] == "Z" and text[19] in ".Z" and text[10] == "T":
        # Zones are offset by whole minutes: the seconds stay as they are, and each minute is
        # converted once (``status`` shows 50,000 of these).
        return _local_minute(text[:16], time.tzname) + text[16:19]
    return local_time(datetime.fromisoformat(text.replace("Z", "+00:00")))


@functools.lru_cache(maxsize=4096)
def _local_minute(minute: str, _zone: tuple[str, str]) -> str:
    """``12-08 09:31`` of a UTC minute ``2026-12-08T01:31`` in the zone in force."""
    return local_time(datetime.fromisoformat(minute))[:11]


def level_label(level: Level | str) -> str:
    """The label of a level, e.g. ``机密``."""
    return Level(level).value


# desk TUI (issue 13)
CONSIGNMENT_STATE_LABEL: dict[str, str] = {
    "open": "已登记",
    "in_transit": "递送中",
    "delivered": "已签收",
    "returned": "已退回",
}


# --- Area tables -------------------------------------------------------------------------------
# Each area of the product keeps its texts in its own table, merged into TEXT below (a key may
# appear in one table only), so work on different areas never edits the same lines. Help texts
# of the command line use keys starting with ``help_``.

TEXT_CLI: dict[str, str] = {
    # command-line output and help (carrier_tracker.cli)
    "action_operator_add": "登记操作员、更改角色",
    "action_operator_disable": "停用操作员",
    "action_reset_pin": "重置 PIN",
    "arg_label": "{shown}（{field}）",
    "carry_list_written": "已导出带离文件目录 {path}：{n} 份",
    "close_needs_note": "--with-exceptions 需要同时给出 --note 说明",
    "comma_sep": "，",
    "consignment_registered": "已登记机要件 {number} → {unit} {recipient}",
    "error_line": "错误：{reason}",
    "error_os": "错误：{reason}{where}",
    "error_prefix": "错误：",
    "exported": "已导出 {path}：登记表 {register_rows} 行，操作日志 {log_rows} 条",
    "file_exists_force": "文件已存在：{path}（加 --force 覆盖）",
    "file_not_found": "找不到文件：{path}",
    "file_is_dir": "{path} 是一个目录，请给出 .xlsx 文件",
    "file_not_regular": "{path} 不是普通文件，请给出 .xlsx 文件",
    "help_bind": "为文件的某一份绑定标签",
    "help_bind_pass": "为参会人员的会议证绑定标签",
    "help_carry_list": "导出一位外地代表的带离文件目录",
    "help_close": "结束会议（全部收回后才可结束）",
    "help_close_never_opened": "由保密负责人结束从未开始（没有任何发放）的会议",
    "help_close_note": "结束说明（带例外结束时必填）",
    "help_close_with_exceptions": "有挂失载体时由保密负责人带例外结束",
    "help_commands_metavar": "命令",
    "help_common_approver": "批准此操作的保密负责人（操作员为文管员时；须其 PIN）",
    "help_approver_for": "批准{what}的保密负责人（操作员为文管员时；须其 PIN）",
    "approve_what_tap": "带离、挂失或 --override 例外",
    "approve_what_close": "带例外结束（--with-exceptions）或结束从未开始的会议（--never-opened）",
    "approve_what_trip": "涉密载体外出（外出携带）",
    "approve_what_plan": "修改分发范围",
    "approve_what_file": "备案",
    "approve_what_accept": "接受不符合项（--accept）",
    "help_common_approver_pin_stdin": "从标准输入读取批准人的 PIN（在操作员 PIN 之后一行；默认：$CARRIER_TRACKER_APPROVER_PIN，或在终端中询问）",
    "help_common_db": "数据库 URL，或 SQLite 文件的路径（默认：用户数据目录中的 SQLite；也可用环境变量 CARRIER_TRACKER_DB）",
    "help_common_operator": "操作员姓名（默认：$CARRIER_TRACKER_OPERATOR 或登录用户）",
    "help_common_pin_stdin": "从标准输入读取本人（--operator）的 PIN（一行；默认：$CARRIER_TRACKER_PIN，或在终端中询问）",
    "help_common_station": "工作台名称（默认：主机名）",
    "help_consignment": "机要递送件：登记（open，可省略）、登记回执（receipt）",
    "help_consignment_recipient": "接收人（给出 --attendee 时默认为代表本人）",
    "help_consignment_unit": "接收单位（给出 --attendee 时默认为代表的单位）",
    "help_demo": "演示：示例会议 + 模拟读卡器 + 虚拟标签托盘（临时数据库）",
    "help_demo_fast": "脚本演示不停顿",
    "help_demo_no_colour": "脚本演示不用颜色（输出不是终端或设置了 NO_COLOR 时本就不用）",
    "help_demo_script": "不开界面，按脚本在终端里走完一次会议",
    "help_demo_keep": "退出后保留临时数据库、台账密钥和导出的工作簿（默认删除），并说明如何查看",
    "demo_removed": "演示结束：临时数据（数据库、台账密钥、工作簿）已删除：{dir}（加 --keep 可保留）",
    "demo_kept": "演示数据保留在 {dir}（数据库、台账密钥、工作簿；用完请删除）。查看：\n  CARRIER_TRACKER_KEY_FILE={key_file} carrier-tracker verify --db {db}\n  CARRIER_TRACKER_KEY_FILE={key_file} carrier-tracker status {code} --db {db}",
    "help_export": "导出保密办工作簿（登记表、会议证、未收回、机要、带离目录、操作日志）",
    "help_import": "导入会议工作簿（先整体检查，有任何问题则不导入）",
    "help_init": "创建或升级数据库结构，生成台账密钥",
    "help_init_officer": "登记第一位保密负责人（仅当尚无保密负责人时；即本人，PIN 取自 $CARRIER_TRACKER_PIN、--pin-stdin 或终端）",
    "help_init_pin_stdin": "从标准输入读取第一位保密负责人（本人）的 PIN（一行）",
    "help_json": "输出 JSON",
    "help_meetings": "列出会议",
    "help_meetings_overdue": "只列出已过应交回日期仍有载体未交回的外出携带与会议，并列出持有人",
    "help_mode_chinese": "；中文名亦可",
    "help_mode_choice": "{value}（{label}）",
    "help_operator": "操作员：登记、列出、停用、启用、重置 PIN、绑定卡（需保密负责人）",
    "help_operator_add": "登记操作员（或更改已登记操作员的角色）；需保密负责人认证",
    "help_operator_disable": "停用操作员；需保密负责人认证",
    "help_operator_list": "列出操作员",
    "help_operator_new_pin_stdin": "从标准输入读取要设置的新 PIN（在本人 PIN 之后一行；默认：$CARRIER_TRACKER_NEW_PIN，或在终端中输入两次）",
    "help_operator_reset_pin": "重置操作员的 PIN 并解除锁定；需保密负责人认证",
    "help_program": "涉密会议文件与会议证 NFC 载体管理：发放、休会收回、清退、机要递送与审计台账。",
    "help_readers": "列出可用的读卡器",
    "help_status": "各状态数量及每位参会人员未收回的载体",
    "help_status_json": "输出 JSON（格式见 README）",
    "help_subcommands_metavar": "子命令",
    "help_tap": "记录一次或多次刷卡（每个 UID 一行结果；有拒绝时退出码为 1）",
    "help_tap_attendee": "领取人编号（发放时必填）",
    "help_tap_consignment": "机要编号（机要发出时必填）",
    "help_tap_mode": "操作方式：",
    "help_tap_note": "说明（挂失时必填）",
    "help_tap_override": "保密负责人批准例外：改发休会前持有人以外的人、同一文件第二份、发给分发范围以外的人、文件未交回或挂失未找回时收回会议证",
    "help_template": "生成空白导入模板 .xlsx",
    "help_template_force": "覆盖已有文件",
    "help_tui": "打开工作台界面",
    "help_tui_meeting": "会议代号（不填则先选择）",
    "help_tui_reader": "读卡器（默认 pcsc:，见 carrier-tracker readers）",
    "help_wall": "打开清点大屏（只读，无需登录）：未收回、已收回、休会收回，及谁仍持有什么",
    "help_wall_meeting": "会议代号",
    "help_wall_by_document": "按文件列出未收回的各份及其持有人",
    "help_verify": "校验台账哈希链，并按台账重放核对数据库（全部一致时退出码为 0，否则为 1 并列出每处差异）",
    "help_verify_anchor": "证明台账仍包含此前导出/结束时打印的头哈希（或 序号:哈希）",
    "help_watch": "显示读卡器的每一次刷卡（Ctrl-C 退出）",
    "help_watch_debounce": "同一标签移开后再次读取的忽略时间",
    "help_watch_reader": "读卡器，如 pcsc:、nfc:usb、wedge:stdin、sim:",
    "imported": "已导入会议 {meeting_code}：人员 {attendees}，文件 {documents}，共 {copies} 份；已绑定文件标签 {tags}、会议证标签 {pass_tags}",
    "init_first_officer": "已登记第一位保密负责人：{officer}",
    "init_key": "台账密钥：{key_path}（指纹 {fingerprint}…）",
    "init_sealed": "已将 {sealed} 个会议的台账记录头绑定到密钥",
    "init_up_to_date": "数据库已是最新版本（{after}）：{url}",
    "schema_empty": "空",
    "init_upgraded": "数据库已初始化/升级：{before} → {after}：{url}",
    "internal_error": "内部错误：{kind}: {detail}（设置 CARRIER_TRACKER_DEBUG=1 可查看详细信息）",
    "job_internal_error": "程序内部出错，未生成文件；详细原因已记入工作台日志",
    "job_bad_setting": "设置 {name}={value} 无效：应为不小于 0 的整数",
    "list_sep": "、",
    "meeting_closed_line": "会议 {code} 已结束",
    "meeting_closed_approver": "  批准人（保密负责人）：{approver}",
    "meetings_row": "{code}\t{level}\t{status}\t载体 {carriers}\t未收回 {outstanding}\t{title}",
    "no_meetings": "尚无会议。用 carrier-tracker import FILE.xlsx 导入。",
    "overdue_none": "没有逾期未交回的外出携带或会议。",
    "overdue_row": "{code}\t{kind}\t{level}\t应交回 {due}\t逾期 {days} 天\t未交回 {outstanding}\t{title}",
    "overdue_holder": "\t{holder}：{items}",
    "overdue_nobody": "（无持有人）",
    "overdue_pass": "会议证",
    "meetings_overdue_mark": "\t逾期未交回（应交回 {due}）",
    "none_word": "无",
    "operator_added": "已登记操作员 {name}：{role}",
    "operator_disabled": "已停用操作员 {name}",
    "operator_locked_until": "（锁定至 {until}）",
    "operator_pin_reset": "已重置操作员 {name} 的 PIN（锁定已解除）",
    "operator_role_changed": "操作员 {name} 改为{role}",
    "originality_genuine": "原厂芯片",
    "originality_mismatch": "签名不符（疑似克隆）",
    "originality_unchecked": "未校验",
    "originality_unsigned": "无签名",
    "pin_prompt": "{who}的 PIN：",
    "pin_prompt_again": "再输入一次 PIN：",
    "pin_who_approver": "批准人 {approver} ",
    "pin_who_new": "操作员 {name} 新",
    "pin_who_operator": "操作员 {operator} ",
    "reader_offline": "离线",
    "reader_online": "在线",
    "reader_state_line": "[读卡器 {state}] {name} {detail}",
    "readers_nfc_missing": "nfcpy：未安装",
    "readers_nfc_none": "nfcpy：无（{why}）",
    "readers_nfc_row": "nfcpy：{dev}\t（用 --reader nfc:usb）",
    "readers_pcsc_missing": "PC/SC：未安装 pyscard（pip install 'carrier-tracker[pcsc]'，需先 apt install pcscd libpcsclite-dev）",
    "readers_pcsc_none": "PC/SC：无（{why}）",
    "readers_pcsc_row": "PC/SC：{name}\t（用 --reader 'pcsc:{name}'）",
    "readers_wedge_hint": "键盘输入读卡器：用 --reader wedge:stdin 或 wedge:/dev/input/eventN",
    "status_counts_line": "  {label}：",
    "status_holder": "  {code} {name}（{unit}）持有 {n} 件：",
    "status_in_transit": "  {group}：{label}  自 {since}",
    "status_item": "      {label}  {state}  自 {since}",
    "status_unassigned": "  {group}：{label}  {state}  自 {since}",
    "status_unbound": "  未绑定标签的载体：{unbound}",
    "tag_bound": "{item} 已绑定标签 {uid}",
    "tag_bound_already": "（原已绑定）",
    "template_written": "已生成导入模板：{path}",
    "unknown_mode": "无此操作方式：{text}（可用：{valid}）",
    "unrecognised_input": "[无法识别] {data}",
    "usage_error": "错误：{message}\n",
    "verify_broken": "{code}\t事件 {count}\t第 {broken_seq} 条起被篡改：{problem}",
    "verify_head": "{code}\t事件 {count}\t头哈希 {head_hash}\t",
    "verify_intact": "{code}\t事件 {count}\t头哈希 {head_hash}\t完整",
    "watching": "正在监听 {reader}，按 Ctrl-C 退出",
    "where_suffix": "：{path}",
}


TEXT_OPERATORS_DESK: dict[str, str] = {
    # login, lock, approvals at the desk, operator cards
    "system_card": "（卡 {uid}）",
    "operator_not_disabled": "操作员 {name} 未停用",
    "card_is_carrier": "标签 {uid} 已绑定为载体（文件或会议证），不能作为操作员卡",
    "card_is_retired": "标签 {uid} 曾绑定为载体，换标签后已停用，不能作为操作员卡",
    "uid_is_card": "标签 {uid} 是操作员 {name} 的卡，不能绑定为载体",
    "card_is_other": "标签 {uid} 已是操作员 {name} 的卡",
    "card_is_own": "标签 {uid} 已是操作员 {name} 的卡（原已绑定）",
    "card_unknown": "标签 {uid} 不是任何操作员的卡",
    "card_bound": "已为操作员 {name} 绑定卡 {uid}",
    "operator_enabled": "已启用操作员 {name}",
    "help_operator_enable": "重新启用已停用的操作员；需保密负责人认证",
    "help_operator_unlock": "解除另一操作员因 PIN 连续错误而被锁定（保密负责人；不能为自己解除）",
    "action_operator_unlock": "解除锁定",
    "operator_unlocked": "已解除操作员 {name} 的锁定（已记入系统台账）",
    "action_operator_enable": "启用操作员",
    "action_bind_card": "绑定操作员卡",
    "login_title": "登录工作台",
    "login_locked": "工作台已锁定（上一位：{name}）——请登录",
    "login_name": "操作员姓名（或刷本人的卡）",
    "login_name_placeholder": "姓名，回车",
    "login_pin": "PIN",
    "login_pin_placeholder": "PIN（6–12 位数字），回车",
    "login_checking": "正在核对…",
    "login_error": "无法核对：{reason}",
    "login_tap_ignored": "未登录：刷卡不会记录，请先登录",
    "login_card_unknown": "未登录：标签 {uid} 不是在用操作员的卡，刷卡不会记录；请输入姓名与 PIN，或刷本人的卡",
    "login_card_read": "已识别 {name} 的卡：请输入 PIN",
    "login_demo_hint": "演示操作员（直接使用）：\n{rows}",
    "login_demo_row": "  {name}　{role}　PIN {pin}",
    "operator_badge": "操作员 {name}（{role}）  Ctrl+X 锁定",
    "cmd_lock_help": "锁定工作台，回到登录（Ctrl+X）",
    "key_lock": "锁定",
    "key_approve_exception": "批准例外",
    "auditor_no_taps": "审计员 {name} 只能查看：刷卡不会记录",
    "auditor_read_only": "审计员 {name} 只能查看、导出与校验，不能记录操作",
    "approval_title": "需保密负责人批准：{what}",
    "approval_item_line": "载体：{item}",
    "approval_person_line": "人员：{person}",
    "approval_rule_line": "规定：{rule}",
    "approval_refusal_line": "未记录：{refusal}",
    "approval_item": "{item}《{title}》 {level}",
    "approval_nobody": "（无）",
    "approval_out_of_town": "外地代表",
    "approval_rule_carry_out": "外地代表带离文件，须经保密负责人批准",
    "approval_rule_lost": "挂失须经保密负责人批准，并写明情况",
    "approval_rule_exception": "例外须经保密负责人批准",
    "approval_how": "请保密负责人输入姓名和 PIN，或刷本人的操作员卡。取消则不作任何记录。",
    "approval_name_placeholder": "保密负责人姓名，回车",
    "approval_ok": "批准",
    "approval_cancel": "取消",
    "approval_what": "{mode} {item}",
    "approval_waiting": "等待保密负责人批准：{what}（尚未记录）",
    "approval_cancelled": "已取消批准：{what} 未作任何记录",
    "approved_by": "（保密负责人 {name} 批准）",
    "approval_exception": "例外（{reason}）",
    "approval_close": "带例外结束会议",
    "exception_offer": "{message}　— 按 Ctrl+Y 请保密负责人批准例外",
    # The CLI's way to the same exception, after a refusal only an exception lifts (the reason
    # itself, also written to the ledger, names no front end's keys or flags).
    "override_hint": "（保密负责人可加 --override 批准）",
    # … and its hints after a refusal for what is missing (the shared reason names no flag).
    "cli_hint_attendee": "（用 --attendee 指定领取人）",
    "cli_hint_consignment": "（用 --consignment 指定机要编号）",
    "cli_hint_note": "（用 --note 填写说明）",
    "cli_hint_room": "（用 --room 指定检查地点）",
    "cli_hint_approver": "（文管员可加 --approver 请保密负责人批准）",
    "bad_lock_after": "自动锁定时间须为不小于 0 的分钟数（{source}：{value}）",
    "help_lock_after": "无操作多少分钟后锁定工作台（默认 10；0 为不自动锁定；也可用环境变量 CARRIER_TRACKER_LOCK_AFTER）",
    "help_operator_bind_card": "为操作员绑定一张卡（保密负责人在工作台刷此卡即可批准）；需保密负责人认证",
}


TEXT_CHANGES: dict[str, str] = {
    "replaced_by_substitute": "{name} 已由 {substitute} 代会，不再发放（代会人员持本人会议证领取）",
    # late attendees, substitutes, copies added/withdrawn, retag, void
    "tag_retired": "标签已停用（已换为 {new}）",
    "recon_withdrawn": " · 已作废 {n}",
    "recon_disposed": " · 已处置 {n}（计入已收回）",
    "change_refused_line": "拒绝：{message}（已记入台账第 {seq} 条）",
    "change_refused_early": "拒绝：{message}（未核验口令，未记入台账）",
    "change_done_line": "{message}（台账第 {seqs} 条）",
    "arg_count": "COUNT（加印份数）",
    "arg_copy_no": "COPY_NO（份号）",
    "arg_seq": "SEQ（台账序号）",
    "arg_clearance": "--clearance（知悉范围）：",
    "arg_bad": "{arg}：",
    "audit_retired": "停用标签 {uid}",
    "change_closed": "会议已结束，不能再变更",
    "change_officer": "{what}需保密负责人批准（当前操作员：{operator}）",
    "change_note": "{what}须填写说明（--note）",
    "attendee_exists": "会议 {meeting} 已有参会人员 {code}（{name}）",
    "pass_number_taken": "会议证号 {number} 已属于 {code} {name}",
    "attendee_added": "已增补参会人员 {code} {name}（{unit}，{clearance}{away}），{pass_}",
    "new_pass_number": "会议证 {number}",
    "new_pass_unnumbered": "会议证未编号",
    "attendee_away": "，外地代表",
    "substituted": "已登记代会：{code} {name} 代 {absent_code} {absent_name} 参会（{pass_}，不转借缺席者的会议证）",
    "substitute_taken": "{code} {name} 已由 {sub_code} {sub_name} 代会",
    "substitute_of_substitute": "{code} {name} 本人是代会人员，不能再由他人代会",
    "substitute_absent_holds": "{code} {name} 尚持有 {items}：先收回再登记代会（缺席者的会议证不转借）",
    "copies_count": "加印份数应为 1 到 {limit} 之间的整数：{value}",
    "copies_too_many": "文件 {number} 已有 {copies} 份，再加 {count} 份超过上限 {limit}",
    "copies_added": "文件 {number} 加印 {count} 份：第{first:03d}份至第{last:03d}份（现共 {copies} 份；请逐份绑定标签）",
    "withdraw_state": "{item} 当前{state}：只能作废从未发放的份（在库）",
    "withdrawn": "已作废 {item}：{note}",
    "retag_unknown": "会议 {meeting} 没有绑定标签 {uid} 的载体",
    "retag_same": "新旧标签相同：{uid}",
    "retag_state": "{item} 当前{state}，不能换标签",
    "retagged": "{item} 已换标签：{old} → {new}（旧标签 {old} 已停用）",
    "void_unknown": "会议 {meeting} 没有第 {seq} 条台账记录（共 {count} 条）",
    "void_seq": "序号应为 1 到 {limit} 之间的整数：{value}",
    "void_of_void": "第 {seq} 条本身是撤销记录，不能撤销“撤销”",
    "void_not_accepted": "第 {seq} 条结果为“{verdict}”，没有改变任何状态，无需撤销",
    "void_not_tap": "第 {seq} 条是“{action}”，只能撤销刷卡记录（发放、收回等）",
    "void_already": "第 {seq} 条已由第 {by} 条撤销",
    "void_conflict": "第 {seq} 条之后同一载体还有：{later}；请先撤销这些记录",
    "void_later": "第 {seq} 条（{action}）",
    "voided": "已撤销第 {seq} 条（{action} {item}）：{item} 恢复为 {state}",
    "voided_mark": "已撤销（第 {by} 条）",
    "void_note": "撤销第 {seq} 条：{note}",
    "mark_substitute": "代 {code} {name} 参会",
    "mark_absent": "缺席，由 {code} {name} 代会",
    "mark_late": "会中增补",
    "what_substitute": "登记代会",
    "what_withdraw": "作废文件份",
    "what_retag": "为已发出的载体换标签",
    "what_void": "撤销记录",
    "label_name": "姓名",
    "label_unit": "单位",
    "label_pass_number": "会议证号",
    "label_code": "人员编号",
    "label_absent": "缺席者编号",
    "clearance_bad": "知悉范围无法识别：{value}（可用：内部、秘密、机密、绝密）",
    # help texts
    "help_attendee": "会中人员变更：增补参会人员、登记代会",
    "help_attendee_add": "增补参会人员（会议未开始或进行中）",
    "help_attendee_substitute": "登记代会：新人员代缺席者参会，另发本人会议证（需保密负责人批准）",
    "help_copies": "文件份数变更：加印、作废",
    "help_copies_add": "为文件加印 COUNT 份（份号接续最后一份）",
    "help_copies_withdraw": "作废从未发放的一份（销毁/印坏；需保密负责人批准，须填写说明）",
    "help_retag": "换标签：把文件份或会议证改绑到新标签，旧标签永久停用（载体已发出时需保密负责人批准）",
    "help_void": "撤销一条误刷记录：追加补偿记录恢复原状态，原记录保留并标注已撤销（需保密负责人批准）",
    "help_name": "姓名",
    "help_unit": "单位",
    "help_clearance": "知悉范围：内部、秘密、机密、绝密",
    "help_out_of_town": "外地代表",
    "help_pass_number": "会议证号",
    "help_pass_uid": "同时为会议证绑定此标签",
    "help_change_note": "说明",
    # TUI 变更 screen
    "tui_changes_title": "变更（会议 {meeting}）",
    "tui_changes_hint": "选择一项变更，填写后按 Ctrl+S 提交；Esc 返回。标 ✦ 的需保密负责人（当前操作员不是时，填写批准人姓名与 PIN）",
    "tui_change_kind": "变更类型",
    "tui_change_submit": "提交",
    "tui_change_kinds": "增补人员 ✦|代会 ✦|加印|作废 ✦|换标签（已发出时 ✦）|撤销记录 ✦|分发范围 ✦",
    "tui_field_code": "人员编号",
    "tui_field_absent": "缺席者编号",
    "tui_field_name": "姓名",
    "tui_field_unit": "单位",
    "tui_field_clearance": "知悉范围（内部/秘密/机密/绝密）",
    "tui_field_away": "外地代表（是/否）",
    "tui_field_pass_number": "会议证号（可空）",
    "tui_field_pass_uid": "会议证标签 UID（可空）",
    "tui_field_doc": "文件编号",
    "tui_field_count": "加印份数",
    "tui_field_copy": "份号",
    "tui_field_old_uid": "旧标签 UID",
    "tui_field_new_uid": "新标签 UID",
    "tui_field_seq": "台账序号",
    "tui_field_note": "说明",
    "tui_field_approver": "批准人（保密负责人）",
    "tui_field_approver_pin": "批准人 PIN",
    "tui_field_required": "请填写：{field}",
    "tui_yes_words": "是|外地",
    "status_marked": "{code} {name}（{unit}）：{mark}",
    "tui_field_number": "{field}应为正整数：{value}",
    "tui_approver_failed": "批准人认证失败：{reason}",
}


PLAN_EVERYONE_WORDS = frozenset({"全体", "全部", "全体人员"})
"""A 分发范围 of one of these words means everyone (carrier_tracker.custody.plan)."""
PLAN_UNIT_PREFIXES = ("单位：", "单位:")
"""A 分发范围 entry starting so names a unit explicitly."""

TEXT_PLAN: dict[str, str] = {
    # distribution plan, breaks, the courier as practised
    "plan_everyone": "全体",
    "plan_unit": "单位：{unit}",
    "plan_everyone_mixed": "“{entry}”表示全体人员，不能与人员编号或单位同列",
    "plan_no_unit": "单位“{unit}”没有参会人员",
    "plan_ambiguous": "“{entry}”既是人员编号又是单位名称：指单位时请写作“单位：{entry}”",
    "plan_unknown_entry": "“{entry}”既不是本会议的人员编号，也不是参会人员的单位（多项用“、”分隔）",
    "plan_outside": "{doc} 的分发范围不含 {name}",
    "plan_bad": "分发范围有误：{problems}",
    "plan_set": "已将 {doc} 的分发范围改为：{plan}",
    "plan_unchanged": "{doc} 的分发范围已是：{plan}",
    "plan_officer": "修改分发范围需保密负责人批准（当前操作员：{operator}）",
    "plan_note": "分发范围：{plan}",
    "plan_closed": "会议已结束，不能修改分发范围",
    "plan_to_or_everyone": "请给出 --to 名单或 --everyone（二者选一）",
    "handed_in": "（{name} 交寄）",
    "consignment_delegate": "（代表 {code} {name}）",
    "dispatch_not_own": "{item} 由 {holder} 持有，只能交入其本人（或本单位）的机要件，{number} 不是",
    "break_not_flagged": "此文件无需休会收回",
    # the courier
    "consignment_needs_owner": "请给出 --attendee（代表）或 --unit（接收单位）",
    "receipt_nothing": "机要件 {number} 没有递送中的文件，无可签收",
    "receipt_already": "机要件 {number} 已于 {at} 签收",
    "receipt_done": "机要件 {number} 回执已登记：{count} 份签收（{unit}）",
    "plan_counts": "应发 {planned} 人 · 已发 {issued} 人 · 未领取 {missing} 人 · 在外 {out} 份 · 已收回 {recovered} 份",
    "plan_excluded": "另有 {count} 人知悉级别低于文件密级，不计入应发、未领取",
    "plan_missing": "未领取：{names}",
    "plan_outside_list": "范围外领取（经批准）：{names}",
    "plan_due_title": "尚应领取：",
    "plan_more_names": "……等 {count} 人",
    "plan_none_due": "所有人员均已领取其分发范围内的文件",
    "break_title": "休会收回（{docs}）：尚有 {remaining} 份未收回",
    "break_all_in": "休会收回文件已全部收回",
    "break_no_flagged": "本会议没有标为“休会收回”的文件",
    "break_desk_title": "休会收回：尚有 {remaining} 份（{docs}）",
    # the desk TUI
    "plan_screen_title": "分发情况：每份文件的分发范围、应发、已发、未领取、在外、已收回",
    "plan_col_number": "文件",
    "plan_col_title": "文件名称",
    "plan_col_planned": "应发",
    "plan_col_issued": "已发",
    "plan_col_missing": "未领取",
    "plan_col_out": "在外",
    "plan_col_recovered": "已收回",
    "plan_col_person": "人员",
    "plan_col_due": "尚应领取的文件",
    "key_plan": "分发情况",
    "key_receipt": "回执",
    "new_consignment_missing_owner": "请填写机要编号，以及接收单位或所属代表编号",
    "new_consignment_attendee": "所属代表编号（可不填；填写后接收单位默认为其单位）",
    "break_desk_more": "……另有 {count} 人",
    # the desk's 变更 screen: changing a plan (tui/screens/changes.py)
    "tui_field_plan": "新分发范围",
    "tui_change_help_plan": "新分发范围：{syntax}；发给全体参会人员填“全体”。",
    "tui_change_already_line": "无需操作：{message}（已记入台账第 {seq} 条）",
    # command-line help
    "help_plan": "修改文件的分发范围（保密负责人；文管员需 --approver 批准）",
    "plan_to_empty": "--to 为空：未列出任何人员或单位（发给全体请用 --everyone，或写“全体”）",
    "help_plan_to": "人员编号或单位名称，用“、”或“,”分隔，如 A001、A003、国家保密局（编号与单位同名时写“单位：名称”）",
    "help_plan_everyone": "分发给全体参会人员",
    "help_consignment_open": "登记一个机要递送件，属于一位代表（--attendee）或一个单位（--unit）",
    "help_consignment_attendee": "所属代表的人员编号（其持有的文件可直接交寄；默认寄往其单位）",
    "help_consignment_receipt": "按机要编号登记签收回执：该件所有递送中的文件记为已签收（无需再刷卡）",
    "help_receipt_note": "回执说明（签收人、回执编号等）",
    "help_status_by_document": "按文件列出分发范围、应发、已发、未领取（姓名）、在外、已收回，及每人尚应领取的文件",
    "help_status_break": "休会收回：列出标为休会收回、尚未收回的文件（按人员）",
}


TEXT_POLICY: dict[str, str] = {
    # filing (备案), checklists, the sweep
    "not_filed": "会议 {code}（{level}）尚未备案，不能开始；请保密负责人先备案：carrier-tracker meeting file {code} --ref 备案编号 --date YYYY-MM-DD",
    "venue_unsettled": "会场保密检查未完成，会议 {code} 不能开始：{items}（用 carrier-tracker checklist {code} venue --set 项目=符合 作答；不符合项须保密负责人 --accept --note 接受）",
    "room_required": "巡检请先填写检查地点",
    "file_after_open": "会议 {code} 已{status}，不能再备案",
    "file_officer": "备案需保密负责人（当前操作员：{operator}；文管员可加 --approver）",
    "filed": "会议 {code} 已备案：编号 {ref}，日期 {date}，批准人 {by}",
    "filed_plan": "专项保密工作方案：{title}",
    "bad_date": "{label} 不是有效日期：{value}（格式 YYYY-MM-DD）",
    "checklist_closed": "会议 {code} 已结束，检查表不能再修改",
    "checklist_no_item": "{checklist}没有项目“{item}”（可用：{items}）",
    "checklist_bad_answer": "答案“{answer}”无效（可用：符合/不符合/不适用 或 ok/fail/na）",
    "checklist_bad_set": "--set 的格式应为 项目=答案[:备注]，而不是“{value}”",
    "checklist_nothing": "请给出 --set、--all、--accept 或 --show",
    "checklist_answered": "{checklist} {item}（{label}）：{answer}{note}",
    "checklist_accept_note": "接受不符合项须同时给出 --note 说明",
    "tui_checklist_accept_note": "接受不符合项须先在备注栏写明说明（N）",
    "checklist_accept_officer": "接受不符合项需保密负责人（当前操作员：{operator}；文管员可加 --approver）",
    "checklist_accept_not_failed": "{item}（{label}）当前为 {answer}，只有未接受的“不符合”项可以接受",
    "checklist_accept_nothing": "{checklist}没有待接受的不符合项",
    "checklist_accepted": "{checklist} {item}（{label}）：不符合，已由 {by} 接受：{note}",
    "checklist_unanswered": "未作答",
    "checklist_settled_all": "{checklist}：全部完成",
    "checklist_open_items": "{checklist}：未完成 {count} 项",
    "sweep_unsettled": "会后清场检查未完成，会议 {code} 不能结束：{items}（用 carrier-tracker checklist {code} sweep --set 项目=符合 作答）",
    "swept_in": "（{room}）",
    "checklist_file_error": "清单文件 {file}：{where}：{problem}",
    "checklist_missing_key": "缺少 {field}",
    "checklist_not_text": "{field} 应为非空文字",
    "checklist_too_long": "{field} 过长（最多 {limit} 个字）",
    "checklist_control": "{field} 含控制字符",
    "checklist_no_file": "找不到文件",
    "checklist_unreadable": "无法读取（{reason}）",
    "checklist_not_toml": "不是有效的 TOML（{reason}）",
    "checklist_unknown": "未知清单“{name}”（可用：{names}）",
    "checklist_not_table": "应为一个表（[名称]）",
    "checklist_bad_key": "未知键“{field}”（可用：{keys}）",
    "checklist_no_items": "没有项目（应为 [[名称.items]] 的列表）",
    "checklist_item_where": "{name} 第 {n} 项",
    "checklist_item_where_id": "{name} 第 {n} 项（id={id}）",
    "checklist_item_not_table": "应为一个表（[[名称.items]]）",
    "checklist_bad_id": "id 应为 1–32 个字母、数字、- 或 _，以字母或数字开头",
    "checklist_duplicate_id": "id “{id}” 重复（已在本清单中定义）",
    "checklist_missing": "缺少清单 [{name}]",
    "audit_answer": "检查表 {checklist}·{item}",
    "help_tap_room": "巡检发现载体的地点（巡检时必填，如 会场、客房 301）",
    "help_meeting": "会议备案等（子命令：file）",
    "help_meeting_file": "记录会议在保密办的备案（保密负责人）；秘密及以上会议备案后才能开始",
    "help_file_ref": "保密办备案编号",
    "help_file_date": "备案日期",
    "help_file_plan": "专项保密工作方案名称",
    "help_checklist": "会前/会后检查表：会场保密检查（venue）、涉密会议协议书（agreement）、会后清场（sweep）",
    "help_checklist_which": "检查表：venue 会场保密检查，agreement 涉密会议协议书，sweep 会后清场",
    "help_checklist_set": "回答一项：项目=符合|不符合|不适用（或 ok/fail/na），可加 :备注；可重复",
    "help_checklist_all": "所有项目同一答案（--set 给出的项目除外）",
    "help_accept": "保密负责人接受不符合项（不写项目则接受全部未接受的不符合项），须加 --note",
    "help_accept_note": "接受不符合项的说明",
    "help_checklist_show": "显示检查表及答案",
    "help_checklist_json": "以 JSON 输出检查表及答案",
    "sheet_filing": "会议备案",
    "sheet_lost_report": "载体遗失报告",
    "sheet_checks": "会前会后检查",
    "sheet_sweep": "巡检发现",
    "headers_filing": "项目|内容",
    "headers_checks": "检查表|序号|项目编号|项目|检查内容|结果|备注|作答人|作答时间|接受人|接受说明|接受时间",
    "headers_sweep": "序号|时间|地点|载体|原持有人|操作员|结果|原因",
    "filing_required": "秘密及以上会议，须备案后才能开始",
    "filing_optional": "内部会议，无需备案",
    "not_filed_short": "未备案",
    "not_accepted_short": "（未接受）",
    "no_sweep_findings": "巡检未发现遗留载体",
    "sweep_found_note": "巡检找回",
    "checklist_accepted_by": "已由 {by} 接受：{note}",
    "checklist_already_accepted": "（已接受）",
    "demo_paperwork": "演示已代为完成会前手续：保密负责人 {by} 备案（{ref}），会场保密检查全部符合——所以现在就可以刷卡。真实会议请用 carrier-tracker meeting file 与 checklist venue（或工作台 Ctrl+A 会前/会后）。",
    "demo_answered": "演示代为作答",
    "demo_sweep_title": "会后清场检查",
    "demo_disposition_title": "会后处置（会议结束后）",
    "demo_report_title": "定期评估（{first} 至 {last}）",
    "demo_sweep_note": "巡检发现 {item}，已收回",
}

ANSWER_LABEL: dict[Answer, str] = {Answer.OK: "符合", Answer.FAIL: "不符合", Answer.NA: "不适用"}


def parse_answer(text: str) -> Answer:
    """A checklist answer from 符合/不符合/不适用 or ok/fail/na.

    Raises:
        ValueError: the text names no answer.
    """
    cleaned = text.strip()
    for answer, label in ANSWER_LABEL.items():
        if cleaned.lower() == answer.value or cleaned == label:
            return answer
    raise ValueError(text)


TEXT_FORMS: dict[str, str] = {
    # pledges and briefing, the signed forms workbook
    "no_pledge": "未签保密承诺书",
    "pledge_recorded": "{code} {name}：已签保密承诺书（{date}）",
    "pledge_briefed": "{code} {name}：已签保密承诺书（{date}），已参加保密教育（{briefed}）",
    "pledge_already": "{code} {name}：已记录（承诺书 {date}{briefed}），无需操作",
    "pledge_already_briefed": "，保密教育 {date}",
    "pledge_other_date": "{code} {name}：已于 {have} 签保密承诺书，与 --date {want} 不符（台账不改写已记录的日期）",
    "pledge_closed": "会议 {code} 已结束，不能再登记保密承诺书",
    "pledge_future": "--date {date} 晚于今天（{today}）",
    "pledge_too_early": "--date {date} 过早：会议 {code} 的保密承诺书签署日期不应早于 {floor}（导入或开会的上一年 1 月 1 日；已记录的日期不能改写，请核对）",
    "pledge_bad_date": "--date 应为 YYYY-MM-DD 格式的日期：{date}",
    "pledge_who": "请给出人员编号，或用 --all 登记全部人员",
    "pledge_both": "人员编号与 --all 只能二选一",
    "pledge_none_left": "会议 {code} 的全部人员均已登记，无需操作",
    "pledge_summary": "登记 {done} 人，无需操作 {already} 人，拒绝 {refused} 人",
    "import_pledge_bad": "“{value}”不是签署日期：应填签署保密承诺书的日期（如 2026-12-01），未签则留空",
    "import_kind_bad": "类型只能是 涉密会议 或 外出携带（实际为 {value}）",
    "import_due_bad": "“{value}”不是应交回日期：应填 YYYY-MM-DD 格式的日期（如 2026-12-20）",
    "import_due_past": "应交回日期 {value} 早于今天",
    "import_trip_needs_due": "外出携带须填写应交回日期",
    "import_trip_passes": "外出携带不实行会议证（请留空或填“否”）",
    "import_pledge_future": "签署日期 {value} 晚于今天",
    "import_pledge_early": "签署日期 {value} 过早：不应早于 {floor}（导入或开会的上一年 1 月 1 日）",
    "recon_unpledged": "已发会议证而未签保密承诺书 {count} 人：{names}",
    "help_pledge": "登记参会人员签署保密承诺书（及参加保密教育）；每人一条台账事件",
    "help_pledge_codes": "人员编号（可多个）",
    "help_pledge_all": "登记本会议全部尚未登记的人员",
    "help_pledge_date": "签署日期（默认今天）",
    "help_pledge_briefed": "同时登记已参加保密教育（同一日期）",
    "help_forms": "生成保密办核对用的签字表格工作簿（文件签收单、会议证登记表、机要递送回执、会场保密检查表、会后清场检查表、销毁登记表、归档清单，每件遗失载体一份载体遗失报告；A4，可直接打印）",
    "help_forms_output": "输出文件（.xlsx）",
    "forms_written": "已生成签字表格 {path}：{sheets}",
    "forms_sheet_rows": "{sheet} {rows} 行",
    "forms_no_lost": "载体遗失报告：无（本会议没有遗失的载体）",
    "forms_nothing": "（无）",
    "forms_sign": "签名",
    "forms_date": "日期",
    "pledge_column": "承诺书",
    "pledge_missing": "未签",
    "export_unpledged": "已发会议证未签保密承诺书（人）",
    "export_pledge_note": "已发会议证，未签保密承诺书",
    "pledge_by_import": "导入",
    "demo_pledges": "[会前] 登记保密承诺书与保密教育（A003 未签：发会议证时会有黄色提醒）",
}


ACTION_LABEL[Action.PLEDGE] = "保密承诺书"
COLUMN_LABEL.update({"pledge_on": "保密承诺书签署日期", "briefed_on": "保密教育日期"})


TEXT_PAPER: dict[str, str] = {
    # the printed layout of the export, the forms and the carry list (carrier_tracker.paper)
    "paper_title_summary": "涉密会议载体管理情况汇总",
    "paper_title_register": "涉密会议文件发放回收登记表",
    "paper_title_passes": "会议证发放回收登记表",
    "paper_title_outstanding": "未收回载体清单",
    "paper_title_plan": "涉密文件分发情况表",
    "paper_title_courier": "机要递送登记表",
    "paper_title_carry": "外地代表带离文件目录",
    "paper_title_filing": "涉密会议备案情况",
    "paper_title_checks": "会场保密检查与会后清场检查记录",
    "paper_title_sweep": "会后巡检发现记录",
    "paper_title_pledges": "保密承诺书签署登记表",
    "paper_title_log": "台账操作日志",
    "paper_title_receipts": "涉密会议文件签收单",
    "paper_title_pass_register": "会议证发放登记表",
    "paper_title_courier_receipts": "机要递送文件回执",
    "paper_title_venue_check": "涉密会议会场保密检查表",
    "paper_title_sweep_check": "涉密会议会后清场检查表",
    "paper_title_lost": "涉密载体遗失报告",
    "paper_fact_lost": "遗失载体：{item}",
    "paper_lost_section_item": "一、遗失载体",
    "paper_lost_section_loss": "二、挂失与找回",
    "paper_lost_section_events": "三、该载体的全部台账记录（已撤销的操作不列）",
    "paper_lost_section_sweep": "四、会后清场检查",
    "paper_lost_item": "载体",
    "paper_lost_pass": "会议证号",
    "paper_lost_doc_number": "文件编号",
    "paper_lost_doc_title": "文件名称",
    "paper_lost_copy": "份号",
    "paper_lost_level": "密级",
    "paper_lost_holder": "最后持有人",
    "paper_lost_unit": "持有人单位",
    "paper_lost_state": "目前状态",
    "paper_lost_at": "挂失时间",
    "paper_lost_station": "挂失工作站",
    "paper_lost_reported_by": "报告人",
    "paper_lost_approved_by": "批准人",
    "paper_lost_note": "挂失说明",
    "paper_lost_found": "找回情况",
    "paper_lost_not_found": "未找回",
    "paper_lost_found_yes": "已找回（{how}）",
    "paper_lost_found_room": "{how}，{room}",
    "paper_lost_found_at": "找回时间",
    "paper_lost_found_by": "找回经办人",
    "paper_lost_found_station": "找回工作站",
    "paper_lost_events_heads": "时间|事项|工作站|经办人|批准人|人员/地点|说明",
    "paper_lost_sweep_heads": "检查场所|结果|检查时间|检查人|接受人|接受说明|说明",
    "paper_fact_title": "会议名称：{title}",
    "paper_fact_code": "会议代号：{code}　　密级：{marking}　　主办部门：{organizer}",
    "paper_fact_place": "地点：{venue}　　会议时间：{when}",
    "paper_fact_when": "{start} 至 {end}",
    "paper_fact_export": "登记性质：{nature}　　导出时间：{at}　　导出人：{operator}",
    "paper_fact_made": "制表时间：{at}",
    "paper_fact_carry": "寄送单位：{unit}　　代表：{code} {name}",
    "paper_nature_snapshot": "会中快照（会议进行中，非最终登记）",
    "paper_nature_final": "会后最终登记（会议已结束）",
    "paper_none": "—",
    "paper_sign_line": "{role}（签名）：＿＿＿＿＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日",
    "paper_sign_line_noted": "{role}（签名）：＿＿＿＿＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日　（{note}）",
    "paper_sign_exporter": "导出人：{name}",
    "paper_sign_approver": "台账记录的批准人：{name}",
    "paper_sign_filed": "备案批准人：{name}",
    "paper_role_clerk": "经办人",
    "paper_role_officer": "保密负责人",
    "paper_role_witness": "监销人",
    "paper_role_keeper": "档案接收人",
    "paper_role_receiver": "接收人",
    "paper_anchor": "台账锚点 {count}:{digest}",
    "paper_verified": "打印时台账校验：完整（凭上一行可用 carrier-tracker verify 会议代号 --anchor 复核）",
    "paper_not_verified": "（校验未通过）",
    "paper_verify_failed": "打印时台账校验：未通过——{problem}",
    "paper_empty_register": "（本会议无文件）",
    "paper_empty_passes": "（本会议无会议证）",
    "paper_empty_outstanding": "（全部收回，无未收回载体）",
    "paper_empty_plan": "（本会议无文件）",
    "paper_empty_courier": "（无机要递送）",
    "paper_empty_carry": "（无带离文件）",
    "paper_empty_carry_person": "（{code} {name} 未带离任何文件）",
    "paper_empty_checks": "（未作答任何检查项目）",
    "paper_empty_pledges": "（本会议无参会人员）",
    "paper_empty_receipts": "（尚未发放任何文件）",
    "paper_empty_courier_receipts": "（尚无机要递送的文件）",
    "paper_empty_checklist": "（检查表无项目）",
    "paper_section_counts": "一、载体数量",
    "paper_section_story": "二、会议经过",
    "paper_section_exceptions": "三、例外情况",
    "paper_section_ledger": "四、台账校验",
    "paper_section_chart": "五、文件发放与收回",
    "paper_counts_heads": "状态|文件（份）|会议证（张）",
    "paper_counts_total": "合计",
    "paper_story_heads": "事项|时间|经办人|批准人|说明",
    "paper_story_filed": "备案",
    "paper_story_opened": "开始（首次刷卡）",
    "paper_story_closed": "结束",
    "paper_story_not_yet": "（尚未结束）",
    "paper_story_never": "（尚无）",
    "paper_outstanding_total": "未收回合计 {count} 件；已发会议证未签保密承诺书 {unpledged} 人",
    "paper_exception_lost": "{item} 已挂失（{note}），尚未找回。",
    "paper_exception_lost_bare": "{item} 已挂失，尚未找回。",
    "paper_exception_out": "{item} 仍在外：{state}（{who}，自 {since}）。",
    "paper_exception_found": "{item} 结束时挂失，会后已找回（{at}）。",
    "paper_exception_unpledged": "已发会议证而未签保密承诺书：{names}。",
    "paper_exception_close_note": "结束说明：{note}",
    "paper_exception_none": "无例外情况：全部载体已收回，无挂失。",
    "paper_exceptions_more": "……另有 {count} 项，见未收回清单。",
    "paper_chart_heads": "文件编号|已发放（份）|已收回（份）|未收回（份）",
    "paper_chart_time_heads": "时段|累计发放（份次）|累计收回（份次）|—",
    "paper_chart_title": "各文件发放与收回",
    "paper_chart_time_title": "会议期间文件发放与收回（累计）",
    "paper_chart_none": "（尚无发放，无图表）",
    "paper_differences": "数据库与台账不符之处：",
    "paper_progress_log": "操作日志：{rows} 条",
    "paper_progress_register": "登记表：{rows} 份",
    "paper_progress_verified": "台账校验：{verdict}",
    "paper_untagged": "未绑定标签",
    "paper_note_lost": "挂失：{note}",
    "paper_not_dispatched": "尚未发出",
    "paper_verify_broken": "校验未通过：第 {seq} 条起被篡改：{problem}",
    "paper_verify_differs": "校验未通过：{failed}",
    "paper_yes": "是",
    "paper_no": "否",
    "paper_header_code": "会议代号 {code}",
    "paper_footer_pages": "第 &P 页 共 &N 页",
    "paper_names_more": " 等 {count} 人",
    "paper_carry_nothing": "{code} {name} 未带离任何文件：目录已生成，注明“无带离文件”",
    "paper_sheet_continued": "{title}（续{n}）",
}


TEXT_TAGS_CLOSE: dict[str, str] = {
    # tag release and reuse, close with exceptions and finds after close at the desk
    "uid_bound_where": "标签 {uid} 已绑定：{meeting} {item}",
    "pass_where": "会议证 {number} {name}",
    "uid_bound_import": "标签 {uid} 已在数据库中绑定（已绑定：{meeting} {item}）",
    "tag_released": "标签 {uid} 已于会议 {meeting} 结束时释放，尚未在本会议绑定",
    "release_note": "会议结束，释放标签：会议证 {passes} 枚，文件 {copies} 枚",
    "close_note_join": "；",
    "found_after_close": "会后找回，会议 {code} 仍为已结束",
    "close_released": "已释放标签：会议证 {passes} 枚，文件 {copies} 枚（可在其他会议中重新绑定）",
    "found_after_close_state": "会后找回",
    "found_after_close_log": "会后找回",
    "help_release_tags": "结束时同时释放文件标签（会议证标签总会释放），以便在其他会议中重新绑定",
    # the desk (TUI): close with exceptions, finds after close
    "tui_close_approval": "当前操作员不是保密负责人：请保密负责人输入姓名和 PIN 批准",
    "tui_close_approver": "批准人（保密负责人）",
    "tui_close_pin": "批准人 PIN",
    "tui_close_release_tags": "同时释放文件标签，供其他会议重新绑定（会议证标签总会释放）",
    "tui_close_never_opened": "会议 {code} 从未开始（没有任何发放）。结束后不再接受任何刷卡，台账记为“会议未开始即结束”；须保密负责人操作或批准。",
    "tui_close_never_opened_yes": "结束未开始的会议",
    "tui_close_never_opened_note": "说明（可空），如：会议取消",
    "tui_recon_closed_lost": "会议 {code} 已结束（带例外：挂失 {lost} 件）。找到后按 F11「找回」刷卡记录，会议仍为已结束",
    "tui_recon_found_later": "会后找回 {count} 件：{items}",
    "tui_anchor_line": "台账锚点 {seq}:{digest}（保密办可凭此复核台账此后未被改写）",
    "tui_desk_closed": "会议已结束：此处只记录挂失载体的找回（F11 刷卡）；清点、审计与导出照常，已收回的文件在处置（Ctrl+Z）中逐份刷卡处置",
    "tui_lost_note_required": "挂失须先写明情况：在“说明”栏填写后再刷卡（本次未记录）",
}


TEXT_IMPORT: dict[str, str] = {
    # the workbook import (carrier_tracker.paper.importer): its problems, progress and ledger note;
    # sheet and column names come from carrier_tracker.paper.workbook_schema
    "import_problem": "{where}：{message}",
    "import_problem_row": " 第{row}行",
    "import_problem_column": " [{column}]",
    "import_problems": "{name} 有 {total} 处问题，未导入任何数据：",
    "import_sheet_row": "{sheet}第{row}行",
    # the file as a whole
    "import_unreadable": "无法读取文件 {path}：{reason}",
    "import_xls": "{name}：这是旧版 Excel (.xls) 文件或带密码保护的工作簿，请去掉密码并另存为 .xlsx 后再导入",
    "import_not_xlsx": "{name}：不是 Excel .xlsx 文件（可能是 CSV 或其他文件改了扩展名），请用 Excel 另存为 .xlsx",
    "import_corrupt": "{name}：文件已损坏，无法读取（{error}）",
    "import_archive_part": "{name}（{part}）",
    # sheets and cells
    "import_missing_sheet": "缺少此工作表",
    "import_missing_column": "缺少此列",
    "import_no_header": "工作表为空，缺少表头",
    "import_formula": "单元格含公式，请复制后“粘贴为数值”",
    "import_merged": "含合并单元格 {cells}，请取消合并并逐行填写",
    "import_required": "不能为空",
    "import_bad_level": "密级“{value}”无效，应为 秘密、机密、绝密 或 内部",
    "import_bad_bool": "“{value}”不是 是/否",
    "import_bad_int": "“{value}”不是 1 到 {limit} 之间的整数",
    "import_bad_datetime": "“{value}”不是日期时间，应如 2026-12-01 09:00",
    # rows against each other
    "import_meeting_rows": "应恰好填写一行会议信息，实有 {count} 行",
    "import_ends_before_starts": "{ends}早于{starts}",
    "import_duplicate": "{label} {value} 重复（与第{row}行）",
    "import_duplicate_variant": "{label} {value} 与第{row}行的 {other} 只差字母大小写，视为重复（编号不分大小写）",
    "import_duplicate_uid": "标签 {uid} 重复（已用于 {where}）",
    "import_level_above_meeting": "文件密级 {level} 高于会议密级 {meeting}",
    "import_not_in_sheet": "{label} {value} 不在“{sheet}”表中",
    "import_copy_beyond": "{label} {copy} 超出{copies_label} {copies}",
    "import_bound_twice": "{doc} 第{copy}份 重复绑定（与第{row}行）",
    # progress and the ledger's import event
    "import_checking": "正在检查工作簿…",
    "import_writing": "检查通过，正在写入…",
    "import_written": "已写入载体 {written}/{total}",
    "import_note": "导入 {name}：人员 {attendees}，文件 {documents}，份数 {copies}，文件标签 {tags}，会议证标签 {passes}，SHA-256 {digest}",
    # the template's header comments
    "import_template_required": "必填",
    "import_template_optional": "选填",
    "import_template_max_len": "最多 {limit} 字",
    "import_template_stop": "。",
}


TEXT_AUDIT: dict[str, str] = {
    # verify's replay (carrier_tracker.ledger.audit): how rows and values are named in a difference
    "audit_field": "{what}·{field}",
    "audit_custody": "{state}（{holder}）",
    "audit_empty": "（空）",
    "audit_yes": "是",
    "audit_no": "否",
    "audit_nobody": "（无）",
    "audit_person_id": "人员#{id}",
    "audit_carrier_id": "载体#{id}",
}


TEXT_LEDGER: dict[str, str] = {
    # verify's re-decide (carrier_tracker.ledger.replay): each step the rules refuse, by seq
    "replay_line": "第 {seq} 条：按台账当时的记录，{why}",
    "replay_seq": "第 {seq} 条",
    "replay_unreadable": "事件无法读取（{action}：{problem}）",
    "replay_pin_unknown": "{name} 的 PIN 记录不是系统台账登记的（PIN 记录被替换过）",
    "replay_pin_missing": "{name} 在系统台账中已登记，事件却未记其 PIN（操作员记录当时缺失或被改名）",
    "replay_approver_not_officer": "批准人 {name} 当时不是在用的保密负责人",
    "replay_void_target": "所撤销的第 {seq} 条不是改变该载体状态的记录",
    "replay_void_restore": "撤销第 {seq} 条时恢复的状态与台账不符",
    "replay_closed_twice": "会议 {code} 已结束，不能再次结束",
    "replay_close_outstanding": "尚有 {count} 件未收回，不能结束会议：{items}",
    "replay_tap_no_carrier": "刷卡记录未指明载体",
    "replay_tap_facts": "无法按台账重建此次刷卡的情况（{problem}）",
    "replay_tap_already": "载体当时已是{state}，此次刷卡不应改变状态",
    "replay_tap_other": "规则给出的结果与台账所记不同（状态或所涉人员）",
    "replay_pin_chain": "系统台账所登记的 PIN",
    "replay_pin_other": "另一 PIN（被替换）",
    "what_attendee_add": "增补参会人员（知悉范围、外地代表由保密负责人决定）",
    # the system chain: its findings, and the meetings it registers
    "system_broken": "系统台账第 {broken_seq} 条起被篡改：{problem}",
    "system_finding": "系统台账：{line}",
    "system_unreadable": "第 {seq} 条事件无法读取（{action}：{problem}）",
    "system_no_key": "系统台账未记录台账密钥指纹（旧版本数据库，请运行 carrier-tracker init）",
    "system_other_key": "系统台账记录的密钥指纹与所用台账密钥不符",
    "registry_missing": "会议 {code}（系统台账第 {seq} 条登记）：数据库中没有",
    "registry_code": "会议 {code}：系统台账第 {seq} 条登记的代号为 {want}",
    "registry_no_chain": "会议 {code}（系统台账第 {seq} 条登记）：其台账事件或记录头缺失",
    "registry_first": "会议 {code}：台账第 1 条与系统台账第 {seq} 条登记的不符（台账被整体替换）",
    "registry_unregistered": "会议 {code}：系统台账中没有登记（未经导入而出现）",
    "upgrade_broken": "{chain} 的台账第 {seq} 条起不能用此密钥校验：密钥不对，或数据库已损坏（未作任何记录）",
    "upgrade_done": "已记入台账：密钥指纹 {recorded}，会议登记 {meetings} 个，PIN 记录 {pins} 个，记录头封存 {heads} 个",
    # lockouts lifted by another officer
    # rebuild
    "rebuild_broken": "{chain} 的台账第 {seq} 条起不能校验（{problem}）：不能据此重建",
    "rebuild_system": "系统台账：{count} 条，校验通过",
    "rebuild_meeting": "会议 {code}：{count} 条事件，已重建",
    "rebuild_unregistered": "会议 {code} 未在系统台账中登记（旧版本数据库请先对其副本运行 carrier-tracker init）：未重建",
    "rebuild_no_snapshot": "会议 {code} 由旧版本导入，台账无参考数据快照：未重建",
    "rebuild_in_place": "rebuild 不在原库上重建：--into 须是另一个（新的、空的）数据库",
    "rebuild_not_empty": "目标数据库 {url} 已有数据：rebuild 只写入空数据库",
    "rebuild_done": "已重建：会议 {meetings} 个，系统台账 {system} 条，操作员 {operators} 人。新库：{url}",
    "rebuild_without_pin": "以下操作员的 PIN 记录与系统台账不符，重建后无 PIN，须由保密负责人重置（operator reset-pin）：{names}",
    "rebuild_skipped": "未重建：{line}",
    "rebuild_verify": "新库校验：{verdict}",
    "help_rebuild": "从旧数据库的台账（系统台账与各会议台账）重建一个新数据库（不在原库上修改）；台账不能校验时拒绝并指出第一处断点",
    "help_rebuild_from": "旧数据库 URL（或 SQLite 文件路径），只读",
    "help_rebuild_into": "新数据库 URL（或 SQLite 文件路径），须为空",
    "auth_pin_replaced": "{name} 的 PIN 记录与系统台账不符（可能被人替换）：拒绝登录，请另一位保密负责人运行 carrier-tracker operator reset-pin {name}",
    "unlock_self": "{name} 不能为自己解除锁定：请另一位保密负责人执行，或在服务台刷本人批准卡并输入 PIN 登录",
    "unlock_not_locked": "{name} 未被锁定",
}


TEXT_AFTER: dict[str, str] = {
    # dispositions (carrier_tracker.meeting.disposition, ledger/replay.py)
    "dispose_choose": "请给出要处置的文件份：标签 UID，或 --document 文件编号，或 --all-recovered（三者选一）",
    "dispose_needs_location": "归档须给出存放地点（--location）",
    "dispose_needs_method": "销毁须给出销毁方式（--method 粉碎、化浆、焚毁 或 送销毁中心）",
    "dispose_method_unknown": "未知的销毁方式：{method}（可选：粉碎、化浆、焚毁、送销毁中心）",
    "dispose_kind_unknown": "未知的处置方式：{kind}",
    "dispose_witness_many": "监销人最多 {most} 名",
    "dispose_witness_only_destroy": "只有销毁需要监销人（--witness）",
    "dispose_witness_env_one": "{env} 只能给一名监销人的 PIN：多名监销人请用 --witness-pin-stdin（每行一个）或在终端中逐一输入",
    "dispose_no_tag": "会议 {meeting} 没有绑定标签 {uid} 的文件份",
    "dispose_pass": "标签 {uid} 是会议证：会议证不作处置",
    "dispose_nothing": "{what}没有待处置（已收回）的文件份",
    "dispose_what_document": "文件 {doc} ",
    "dispose_what_meeting": "会议 {code} ",
    "dispose_state": "{item} 当前{state}：只有已收回的文件才能处置",
    "dispose_location_unknown": "未登记的归档地点：{location}",
    "dispose_known_archives": "（已登记：{known}；由保密负责人用 carrier-tracker place add --archive 登记）",
    "dispose_unit_unknown": "未登记的退回单位：{unit}",
    "dispose_known_units": "（可退回：{known}；其他单位由保密负责人用 carrier-tracker place add --unit 登记）",
    "dispose_witness_missing": "销毁须有监销人：至少一名另一位登记的操作员（--witness），凭其 PIN 确认",
    "dispose_witness_twice": "同一监销人不能重复列出",
    "dispose_witness_is_operator": "监销人 {name} 就是经办人：监销人须为另一名登记的操作员",
    "dispose_witness_unknown": "监销人 {name} 不是在用的登记操作员",
    "dispose_officer": "销毁须有保密负责人参与：经办人 {operator} 与监销人 {witnesses} 均不是保密负责人",
    "replay_witness_pin": "监销人 {name} 未凭系统台账登记的 PIN 确认（PIN 记录缺失或被替换）",
    "replay_dispose_carriers": "处置所列载体不是本会议的文件份（或有重复）",
    "replay_dispose_released": "处置释放的标签 {uid} 不是该文件份当时绑定的标签",
    "dispose_items_more": "{items} 等",
    "dispose_left_item": "{item}（{state}）",
    "dispose_left": "  未处置 {count} 份（未收回）：{items}",
    "disposed_archive": "归档：{count} 份（{items}），存放于 {location}",
    "disposed_destroy": "销毁：{count} 份（{items}），{method}，监销人 {witnesses}",
    "disposed_return": "退回发文单位：{count} 份（{items}），退回 {unit}",
    "disposed_released": "；释放标签 {n} 个",
    "disposal_voided": "撤销第 {seq} 条处置（{kind}）：{count} 份恢复为已收回（其标签仍为已释放，如需再刷卡请重新绑定）",
    "pin_who_witness": "监销人 {name} ",
    "audit_disposition": "处置记录 {item}",
    "audit_place": "{kind} {name}",
    "arg_location": "--location（存放地点）",
    "arg_return_to": "--return-to（退回单位）",
    "arg_witness": "--witness（监销人）",
    "arg_trip_code": "CODE（外出携带代号）",
    "arg_trip_title": "--title（外出事由）",
    "arg_trip_destination": "--destination（前往）",
    "arg_trip_document_no": "--document（文件编号）",
    "arg_trip_document_title": "--document（标题）",
    # status --disposition, meetings
    "disposition_head": "{code}  {title}  {level}  {status}",
    "disposition_waiting": "  待处置 {count} 份：",
    "disposition_doc": "    {doc} {title}（{level}）{count} 份：{copies}",
    "disposition_none_waiting": "  没有待处置的文件份",
    "disposition_done": "  已处置：归档 {archive} 份，销毁 {destroy} 份，退回发文单位 {sent} 份",
    "disposition_not_back": "  尚未收回（不能处置）{count} 份",
    "meetings_to_dispose": "待处置 {n}",
    # places (carrier_tracker.meeting.places)
    "place_added": "已登记{kind}：{name}",
    "place_exists": "{kind} {name} 已登记",
    "places_none": "尚未登记归档地点或退回单位（由保密负责人用 carrier-tracker place add 登记）",
    "place_row": "{kind}\t{name}\t{by}\t{at}",
    "action_place_add": "登记归档地点或退回单位",
    # paper: the 处置登记 sheet and the forms of after the meeting
    "paper_title_disposals": "涉密文件处置登记表",
    "paper_disposal_waiting": "待处置",
    "paper_empty_disposals": "（尚无已收回待处置或已处置的文件）",
    "paper_title_destructions": "涉密载体销毁登记表",
    "paper_title_archive": "涉密文件归档清单",
    "paper_empty_destructions": "（本会议没有销毁记录）",
    "paper_empty_archive": "（本会议没有归档记录）",
    # the office's period report (carrier_tracker.paper.period_report, cli/report_commands.py)
    "report_title_meetings": "涉密会议定期评估：会议一览",
    "report_title_totals": "涉密会议定期评估：统计合计",
    "report_period": "统计期间：{first} 至 {last}（按会议开始日期）",
    "report_fact_made": "生成时间：{at}　　生成人：{operator}",
    "report_fact_count": "会议 {n} 个：校验通过 {ok} 个，校验未通过 {bad} 个（未计入合计）",
    "report_kind_meeting": "涉密会议",
    "report_not_verified": "校验未通过：{first}",
    "report_overrides": "{n}（{who}）",
    "report_closed_exceptions": "是（{who}）",
    "report_empty": "（统计期间内没有会议）",
    "report_unverified": "以下 {n} 个会议台账校验未通过，未计入任何合计：{codes}",
    "report_section_levels": "一、按密级合计",
    "report_section_months": "二、按月份合计",
    "report_section_refusals": "三、拒绝操作（按原因）",
    "report_refusal_head": "拒绝原因",
    "report_no_refusals": "（统计期间内没有被拒绝的操作）",
    "report_section_charts": "四、图表",
    "report_no_chart": "（统计期间内没有校验通过的会议，无图表）",
    "report_chart_meetings": "每月会议数",
    "report_chart_copies": "每月文件发放与收回（份）",
    "report_progress_found": "统计期间内会议 {n} 个，逐一校验台账……",
    "report_progress_meeting": "[{n}/{total}] {code}：{verdict}",
    "report_bad_date": "{flag} 应为日期 YYYY-MM-DD：{text}",
    "report_from_after_to": "--from {first} 晚于 --to {last}",
    "report_written": "已生成定期评估 {path}：会议 {n} 个，密级标志 {marking}",
    "report_written_empty": "已生成定期评估 {path}：统计期间内没有会议",
    "report_unverified_line": "校验未通过（未计入合计）：{codes}",
    "help_report": "生成保密办定期评估工作簿：统计期间内每个会议一行（逐一校验台账），按密级、按月份合计并附图表",
    "help_report_from": "统计期间第一天（YYYY-MM-DD，按会议开始日期）",
    "help_report_to": "统计期间最后一天（YYYY-MM-DD）",
    # command line
    "help_dispose": "处置已收回的文件份（会议结束后亦可）：归档（--archive --location）、销毁（--destroy --method --witness，两人以上监销，其一为保密负责人）或退回发文单位（--return-to）；处置后标签释放，误处置由保密负责人用 void 撤销",
    "help_trip": "外出携带（携带涉密文件参加外单位会议）",
    "help_trip_open": "登记一次外出携带（须保密负责人审批：保密负责人操作，或 --approver）；之后用 attendee add 登记随行人员，用 bind 绑定标签，发放即带出，会后清退即交回",
    "help_trip_code": "外出携带的代号（与会议代号同一命名空间）",
    "help_trip_title": "外出事由（如 参加某部工作会议）",
    "help_trip_destination": "前往的单位或地点",
    "help_trip_level": "携带文件的最高密级：秘密 / 机密 / 绝密 / 内部",
    "help_trip_due": "应交回日期 YYYY-MM-DD（不早于今天）",
    "help_trip_document": "携带的文件：文件编号:份数:标题（可重复）",
    "trip_document_bad": "--document 应为 文件编号:份数:标题（实际为 {value}）",
    "trip_copies_bad": "--document 的份数应为 1 至 {most}（实际为 {value}）",
    "trip_due_bad": "--due 应为 YYYY-MM-DD 格式的日期（实际为 {value}）",
    "trip_due_past": "--due {value} 早于今天（{today}）",
    "trip_level_bad": "--level 应为 秘密、机密、绝密 或 内部（实际为 {value}）",
    "trip_document_twice": "--document 的文件编号重复",
    "trip_code_taken": "已有代号为 {code} 的会议或外出携带",
    "trip_note": "外出携带：前往 {destination}，应交回 {due}",
    "trip_opened": "已登记外出携带 {code}：前往 {destination}，应交回 {due}，文件 {documents} 种 {copies} 份；审批：{approver}",
    "help_dispose_archive": "归档（须 --location 已登记的存放地点）",
    "help_dispose_destroy": "销毁（须 --method 与至少一名 --witness）",
    "help_dispose_return_to": "退回发文单位（主办部门或已登记的单位）",
    "help_dispose_location": "归档存放地点（由保密负责人用 place add --archive 登记）",
    "help_dispose_method": "销毁方式",
    "help_dispose_witness": "监销人：另一名登记的操作员，凭 PIN 确认（${env}、--witness-pin-stdin 或终端输入）；可多次给出",
    "help_dispose_witness_pin_stdin": "从标准输入读取监销人的 PIN（每人一行，在本人 PIN 之后）",
    "help_dispose_document": "处置该文件全部已收回的份",
    "help_dispose_all": "处置本会议全部已收回的文件份",
    "help_place": "归档地点与退回单位的登记",
    "help_place_add": "登记一个归档地点或退回单位（保密负责人）",
    "help_place_archive": "归档地点名称",
    "help_place_unit": "退回单位名称",
    "help_place_list": "列出已登记的归档地点与退回单位",
    "help_status_disposition": "只列已收回待处置的文件份和已处置的数量",
}


ARGPARSE_TEXT: dict[str, str] = {
    # argparse's own words (usage, help, errors), keyed by its English text
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示此帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项：%(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "expected one argument": "需要一个值",
    "expected at least one argument": "至少需要一个值",
    "expected at most one argument": "至多一个值",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项不明确：%(option)s 可指 %(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "必须给出以下参数之一：%s",
    "ignored explicit argument %r": "忽略了多余的值 %r",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "无此命令 %(parser_name)r（可用：%(choices)s）",
}
"""Chinese for the texts argparse prints itself (installed by the CLI)."""


def _merge_areas() -> None:
    for area in (
        TEXT_CLI,
        TEXT_OPERATORS_DESK,
        TEXT_CHANGES,
        TEXT_PLAN,
        TEXT_POLICY,
        TEXT_FORMS,
        TEXT_PAPER,
        TEXT_TAGS_CLOSE,
        TEXT_IMPORT,
        TEXT_AUDIT,
        TEXT_LEDGER,
        TEXT_AFTER,
    ):
        clash = TEXT.keys() & area.keys()
        if clash:
            raise RuntimeError(f"message keys defined twice: {sorted(clash)}")
        TEXT.update(area)


_merge_areas()

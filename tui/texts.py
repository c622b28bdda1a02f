"""The desk's screen chrome in Simplified Chinese (titles, hints, dialogs); domain texts stay in
``carrier_tracker.messages``. Screens refer to entries by key, so another language can be added here.
"""

from __future__ import annotations

# Smallest terminal every screen is designed and tested for (tests/tui/test_layout.py).
MIN_SIZE = (100, 30)

TEXT: dict[str, str] = {
    # app
    "app_title": "涉密载体管理",
    "sub_title": "{code}  {marking}  工作台 {station}  操作员 {operator}",
    "db_waiting": "等待数据库…",
    "db_waiting_taps": "等待数据库…（已收到 {n} 次刷卡，将按顺序记录）",
    "db_error": "数据库出错：{reason}",
    "too_small": "终端窗口太小（{width}×{height}）：请至少 {min_width}×{min_height}",
    # bindings (footer)
    "key_desk": "工作台",
    "key_reconcile": "清点",
    "key_enroll": "绑定",
    "key_courier": "机要",
    "key_copies": "载体",
    "key_audit": "审计",
    "key_changes": "变更",
    "key_export": "导出",
    "key_quit": "退出",
    "quit_hint": "要退出工作台，请按 Ctrl+Q",
    "key_back": "返回",
    "key_tap_entry": "刷卡栏",
    "key_palette": "命令",
    "key_attendee": "领取人",
    "key_clear_attendee": "清除",
    "key_close": "结束会议",
    "key_new_consignment": "登记机要件",
    "key_open": "进入",
    "key_cancel": "取消",
    # command palette
    "title_desk": "工作台",
    "title_reconcile": "清点",
    "title_enroll": "绑定标签",
    "title_courier": "机要递送",
    "title_copies": "载体一览",
    "title_audit": "审计台账",
    "title_changes": "变更",
    "cmd_desk": "刷卡发放、收回、清退",
    "cmd_reconcile": "每人未收回的载体，全部收回后结束会议",
    "cmd_enroll": "为文件各份和会议证绑定标签",
    "cmd_courier": "登记机要件、发出、签收、退回",
    "cmd_copies": "每一份文件的状态和持有人",
    "cmd_audit": "操作日志与哈希链校验",
    "cmd_changes": "增补人员、代会、加印、作废、换标签、撤销误刷记录、修改分发范围",
    "cmd_export": "导出保密办工作簿",
    "cmd_export_help": "登记表、会议证、未收回清单、机要、带离目录、操作日志",
    "cmd_quit_help": "关闭工作台（Ctrl+Q）",
    "commands_placeholder": "输入以筛选命令，回车执行；↓↑ 选择，Esc 关闭",
    "commands_none": "没有符合的命令",
    # reader
    "reader_starting": "读卡器 启动中：{name}",
    "reader_online": "读卡器 在线：{name}",
    "reader_offline": "读卡器 离线：{name}",
    "reader_help": "读卡器离线：{reason}。解决：{fix}。现在可在刷卡栏（Ctrl+G）输入标签 UID 后回车。",
    "reader_lib_missing": "所需的库未安装（{lib}）",
    "reader_crashed": "读卡器出错：{reason}（{seconds} 秒后重试）",
    "reader_notify": "读卡器离线：{reason}",
    "fix_pcsc_install": "pip install -e '.[pcsc]'（需先 apt install pcscd libpcsclite-dev），或以 --reader … 换用其他读卡器",
    "fix_evdev_install": "pip install -e '.[evdev]'，或以 --reader … 换用其他读卡器",
    "fix_nfc_install": "pip install -e '.[nfc]'，或以 --reader … 换用其他读卡器",
    "fix_pcsc_runtime": "检查读卡器连接，启动 pcscd（sudo systemctl start pcscd），或以 --reader … 换用其他读卡器",
    "fix_nfc_runtime": "检查读卡器的 USB 连接和权限（plugdev 组或 udev 规则），或以 --reader … 换用其他读卡器",
    "fix_wedge_runtime": "检查设备路径和读取权限，或以 --reader … 换用其他读卡器",
    "fix_other": "用 carrier-tracker readers 查看可用的读卡器，以 --reader … 指定",
    # tap entry and tray
    "manual_reader": "手动输入",
    "tap_title": "刷卡栏（Ctrl+G）",
    "tray_title": "虚拟标签托盘（Ctrl+G）",
    "tap_placeholder": "标签 UID，回车刷卡",
    "tray_placeholder": "筛选或 UID，回车刷卡",
    "tap_help": "读卡器离线时，在此输入标签上的 UID 后回车。",
    "tray_help": "输入 A003、HY-01 第001 等筛选，回车把第一项放上读卡器；↓↑ 选择。",
    "tray_no_match": "托盘中没有“{text}”",
    "tap_bad_uid": "“{text}”不是标签 UID",
    "tray_tapped": "已放上读卡器：{label}",
    "tray_reread": "{label} 刚离开读卡器不到 {seconds:g} 秒：读卡器视为同一次，不再读取（稍候再放）",
    # desk
    "attendee_none": "当前领取人：（未选择——刷会议证或 Ctrl+F 输入编号/姓名）",
    "attendee_line": "当前领取人：{code} {name}（{unit}）  知悉：{clearance}  持有 {count} 件{extra}",
    "attendee_out_of_town": "  外地代表",
    "attendee_placeholder": "人员编号或姓名，回车确认",
    "attendee_unknown": "找不到参会人员“{text}”",
    "consignment_placeholder": "机要编号（机要发出时）",
    "note_placeholder": "说明（挂失时必填）",
    "key_policy": "会前/会后",
    "title_policy": "会前/会后检查",
    "cmd_policy": "备案、会场保密检查、协议书、会后清场",
    "key_venue": "会场检查",
    "key_agreement": "协议书",
    "key_sweep": "清场",
    "key_answer_ok": "符合",
    "key_answer_fail": "不符合",
    "key_answer_na": "不适用",
    "key_note": "备注",
    "key_accept": "接受不符合",
    "policy_title": "会前/会后检查（↑↓ 选项目，1 符合 2 不符合 3 不适用，N 备注，X 保密负责人接受不符合项）",
    "policy_checklist": "{title}（{form}）  V 会场检查  A 协议书  S 会后清场",
    "policy_col_item": "项目",
    "policy_col_text": "检查内容、备注、接受",
    "policy_note_line": "备注：{note}",
    "policy_col_answer": "结果",
    "policy_col_note": "备注",
    "policy_col_who": "作答",
    "policy_col_accepted": "接受",
    "policy_accepted": "已由 {by} 接受：{note}",
    "policy_note_placeholder": "备注（先写备注，再按 1/2/3 作答；接受不符合项时为说明）",
    "policy_open": "未完成 {count} 项：{items}",
    "policy_no_taps": "此处不记录刷卡：请回工作台（Esc）",
    "policy_filed": "备案：{ref}  {date}  批准人 {by}  会议状态 {status}",
    "policy_plan": "  专项保密工作方案：{title}",
    "policy_not_filed": "未备案：{level}会议须备案后才能开始（carrier-tracker meeting file {code} --ref 编号 --date 日期）  会议状态 {status}",
    "policy_no_filing_needed": "内部会议，无需备案  会议状态 {status}",
    "room_placeholder": "巡检地点（必填，如 会场、客房 301），回车后刷卡",
    "room_hint": "清场地点：{rooms}",
    "tap_prompt": "请刷卡",
    "enroll_offer": "{message}　— 按 Ctrl+E 去绑定此标签",
    "mode_banner": "【{mode}】  {key}",
    "mode_banner_closed": "会议已结束　【{mode}】  {key}",
    "mode_key": "[b]{key}[/b]{mode}",
    # reconciliation
    "recon_title": "清点",
    "recon_mode": "在此刷卡，按上方工作台的方式记录（Esc 回工作台切换方式）",
    "recon_only_out": "只看未收回",
    "recon_progress": "清点进度 {back}/{total}",
    "recon_all_back": "{verdict} —— 按 Ctrl+W 结束会议",
    "recon_closed": "全部收回　会议 {code} 已结束",
    "recon_col_item": "持有人 / 载体",
    "recon_count": "{count} 件",
    "recon_col_state": "状态",
    "recon_col_since": "自何时",
    "recon_col_pledge": "承诺书",
    "recon_pledge_missing": "未签",
    "attendee_no_pledge": "  未签保密承诺书",
    "recon_nothing": "—",
    # close dialog
    "close_ready": "{verdict}。",
    "close_question": "结束会议 {code}？结束后不再接受任何刷卡。",
    "close_lost": "有 {count} 件挂失。只能由保密负责人带例外结束会议，并填写说明：",
    "close_more": "……另有 {count} 件，见清点表",
    "close_note_placeholder": "说明（必填，如：已报保密办备案）",
    "close_yes": "结束会议",
    "close_with_exceptions": "带例外结束",
    "close_back": "返回",
    "close_done": "会议 {code} 已结束",
    # courier
    "courier_title": "机要递送",
    "courier_current": "当前机要件：{number} → {unit}{recipient}",
    "courier_current_none": "当前机要件：（先按 Ctrl+N 登记机要件，再在下表选中一行）",
    "courier_prompt": "选中机要件后刷卡：F6 机要发出 · F7 签收 · F8 退回",
    "courier_col_number": "机要编号",
    "courier_col_unit": "接收单位",
    "courier_col_recipient": "接收人",
    "courier_col_state": "状态",
    "courier_col_moving": "递送中",
    "courier_col_delivered": "已签收",
    "new_consignment_title": "登记机要件",
    "new_consignment_number": "机要编号",
    "new_consignment_unit": "接收单位",
    "new_consignment_recipient": "接收人（可不填）",
    "new_consignment_missing": "请填写机要编号和接收单位",
    "new_consignment_ok": "登记",
    "new_consignment_done": "已登记机要件 {number} → {unit}",
    # enrollment
    "enroll_title": "绑定标签",
    "enroll_select": "选择文件或会议证",
    "enroll_passes": "会议证（按人员编号顺序）",
    "enroll_doc_option": "{number} {title}（{copies} 份）",
    "enroll_prompt": "选择文件后，逐个刷空白标签",
    "enroll_pending": "待绑定的标签 {uid}：选择文件后再刷一次",
    "enroll_choose_first": "请先选择要绑定的文件或会议证",
    "enroll_next_copy": "下一份：{number} 第{copy:03d}份",
    "enroll_next_pass": "下一张：{code} {name}",
    "enroll_doc_done": "{number} 已全部绑定",
    "enroll_passes_done": "会议证已全部绑定",
    "enroll_bound": "{item} 已绑定标签 {uid}",
    "enroll_col_item": "载体",
    "enroll_col_uid": "标签 UID",
    # copies
    "copies_title": "载体一览（最多 500 行；在此刷卡只查找，不记录）",
    "copies_search": "搜索：文件编号、名称、持有人、标签 UID",
    "copies_doc": "{number}  {title}  {level}",
    "copies_col_item": "载体",
    "copies_col_state": "状态",
    "copies_col_holder": "持有人",
    "copies_col_since": "自何时",
    "copies_col_uid": "标签 UID",
    "unbound": "未绑定",
    # audit
    "audit_search": "筛选：文件编号、会议证、人员、操作、操作员、标签 UID",
    "audit_ok": "台账校验：完整　事件 {count}　头哈希 {head}",
    "audit_bad": "台账校验：第 {seq} 条起被篡改（{problem}）",
    "audit_differs": "台账校验：数据库与台账不符 {count} 处，如 {first}（详见 carrier-tracker verify）",
    "audit_checking": "台账校验中…",
    "audit_col_seq": "序号",
    "audit_col_at": "时间",
    "audit_col_operator": "操作员",
    "audit_col_action": "操作",
    "audit_col_verdict": "结果",
    "audit_col_item": "载体",
    "audit_col_note": "说明",
    "audit_detail": "第 {seq} 条  {at}  工作台 {station}  操作员 {operator}  {action} {verdict}  {item}  {note}",
    "audit_person": "人员：{name}",
    # picker
    "picker_title": "选择会议（↓↑ 选择，回车进入）",
    "picker_row": "{code}  {level}  {status}  未收回 {outstanding}  {title}",
    "picker_empty": "尚无会议：先用 carrier-tracker import FILE.xlsx 导入",
    # export
    "export_file": "保密办-{code}-{stamp}.xlsx",
    "export_title": "导出保密办工作簿（登记表、会议证、未收回、机要、带离目录、操作日志）到：",
    "export_ok": "导出",
    "export_bad_suffix": "文件名应以 .xlsx 结尾",
    "export_no_dir": "目录不存在：{dir}",
    "export_started": "正在导出 {name}…",
    "export_failed": "导出失败：{reason}",
    "export_done": "已导出 {path}（{verdict}）",
    "export_chain_ok": "台账校验完整",
    "export_chain_bad": "台账第 {seq} 条起被篡改",
}


DESK_REWRITES: tuple[tuple[str, str], ...] = (
    # How the desk words the command line's hints found in shared texts (refusals, ledger notes):
    # regular expressions applied in order by tui/wording.py; {tool} is the command's name and
    # {flag} any of its flags.
    # "请用 carrier-tracker …（或工作台 Ctrl+A 会前/会后）": the desk's way is the bracketed one
    (r"请用 {tool}[^（]*（或(工作台[^）]*)）", r"请用\1"),
    # "（用 carrier-tracker checklist … 作答…）": answered on the 会前/会后 screen here
    (r"（用 {tool} checklist[^）]*）", "（在工作台 Ctrl+A 会前/会后检查中作答）"),
    # "…先备案：carrier-tracker meeting file …": the command itself
    (r"[：:] ?{tool}[^；。）]*", ""),
    # "（当前操作员：X；文管员可加 --approver）": the clause naming a flag
    (r"[；，][^；，（）]*{flag}[^；，（）]*", ""),
    # "须填写说明（--note）": a bracket of flags only
    (r"（[^（）]*{flag}[^（）]*）", ""),
    # "须同时给出 --note 说明": the flag named as the field
    (r"给出 {flag} ", "填写"),
)


def t(key: str, /, **fields: object) -> str:
    """Format a chrome entry.

    Args:
        key: the entry's key in :data:`TEXT`.
        **fields: values for its placeholders.

    Returns:
        The formatted Chinese text.
    """
    return TEXT[key].format(**fields)

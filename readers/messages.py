"""The readers' texts, in Simplified Chinese, in one place (readers import nothing of ours, so
they keep their own small catalogue beside ``carrier_tracker.messages``)."""

from __future__ import annotations

TEXT: dict[str, str] = {
    "card_not_dec10": "不是 10 位十进制卡号：{text!r}",
    "card_not_hex": "不是 {width} 位十六进制卡号：{text!r}",
    "card_unrecognised": "无法识别的卡号：{text!r}",
    "evdev_disconnected": "设备已断开：{device}",
    "evdev_missing": "读取 /dev/input 需要 evdev：pip install 'carrier-tracker[evdev]'",
    "evdev_no_permission": "无法打开设备：{device}（需要 input 组权限）",
    "input_ended": "输入已结束",
    "install_evdev": "pip install 'carrier-tracker[evdev]'（仅 /dev/input 设备需要）",
    "install_pcsc": "pip install 'carrier-tracker[pcsc]'（需先 apt install pcscd libpcsclite-dev）",
    "list_sep": "、",
    "nfc_no_usb": "未找到 nfcpy 支持的 USB 读卡器（{reason}；检查 USB 权限或设备）",
    "nfc_not_found": "未找到 NFC 读卡器（{reason}）",
    "not_started": "未启动",
    "pcsc_no_readers": "没有 PC/SC 读卡器（{reason}）",
    "pcsc_reader_not_found": "未找到读卡器{what}",
    "pcsc_unavailable": "读卡器或 pcscd 不可用：{e}",
    "pcscd_not_running": "pcscd 未运行（{reason}）",
    "reader_disconnected": "读卡器已断开（{e}）",
    "reader_library_missing": "读卡器 {scheme}: 所需的库未安装（{name}）。安装方法：{fix}",
    "sim_name": "模拟读卡器",
    "sim_offline": "模拟断开",
    "sim_script_bad_line": "模拟脚本 {path} 第{n}行格式错误（应为：秒数 UID [停留秒数]）：{line}",
    "sim_script_unreadable": "无法读取模拟脚本 {path}：{reason}",
    "unknown_reader_type": "未知的读卡器类型“{spec}”，可用：{valid}",
    "wedge_bad_option": "wedge 选项错误：{e}（format=auto|hex8|hex14|dec10，order=normal|reversed）",
    "wedge_bad_target": "wedge 目标应为 stdin 或 /dev/input/eventN：{target}",
    "wedge_stdin_name": "键盘输入读卡器（标准输入）",
    "wedge_unknown_option": "未知的 wedge 选项：{option}",
}


def text(key: str, **fields: object) -> str:
    """Format a catalogue entry with its placeholders filled."""
    return TEXT[key].format(**fields)

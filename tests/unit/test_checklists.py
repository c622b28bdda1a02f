"""Checklists as data: the built-in file, a site's file, and clear errors for a malformed one."""

from __future__ import annotations

from pathlib import Path

import pytest

from carrier_tracker.custody import checklists
from carrier_tracker.custody.checklists import ChecklistFileError, load


def test_builtin_has_the_three_checklists_of_the_policy() -> None:
    defs = load()
    assert [c.name for c in defs] == ["venue", "agreement", "sweep"]
    venue = defs["venue"]
    assert "附表20" in venue.form and "附表19" in defs["agreement"].form
    ids = [it.id for it in venue.items]
    assert {"phones", "wireless", "recording", "entrance", "premises"} <= set(ids)
    assert [it.label for it in defs["sweep"].items][:3] == ["会场", "客房", "餐厅"]
    assert venue.item("WIRELESS") is venue.item("wireless") is not None
    assert all(it.source.endswith("builtin.toml") for it in venue.items)


def test_site_file_adds_items(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text(
        '[[venue.items]]\nid = "guards"\nlabel = "警卫"\ntext = "会场外警卫已就位"\n'
        '[[sweep.items]]\nid = "car"\nlabel = "车辆"\ntext = "接送车辆无遗留文件"\n',
        encoding="utf-8",
    )
    defs = load(site)
    assert defs["venue"].items[-1].id == "guards"
    assert defs["venue"].items[-1].source == str(site)
    assert [it.label for it in defs["sweep"].items][-1] == "车辆"
    assert len(defs["agreement"].items) == len(load()["agreement"].items)


def test_active_reads_the_site_file_named_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARRIER_TRACKER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CARRIER_TRACKER_CHECKLISTS", raising=False)
    assert [it.id for it in checklists.active()["venue"].items] == [
        it.id for it in load()["venue"].items
    ]
    # The default location: the configuration directory.
    default = tmp_path / "home" / "config" / "checklists.toml"
    default.parent.mkdir(parents=True)
    default.write_text('[[venue.items]]\nid = "x1"\nlabel = "甲"\ntext = "甲项"\n', "utf-8")
    assert checklists.active()["venue"].items[-1].id == "x1"
    named = tmp_path / "named.toml"
    named.write_text('[[venue.items]]\nid = "x2"\nlabel = "乙"\ntext = "乙项"\n', "utf-8")
    monkeypatch.setenv("CARRIER_TRACKER_CHECKLISTS", str(named))
    assert checklists.active()["venue"].items[-1].id == "x2"
    # A file named explicitly must exist.
    monkeypatch.setenv("CARRIER_TRACKER_CHECKLISTS", str(tmp_path / "missing.toml"))
    with pytest.raises(ChecklistFileError, match=r"missing\.toml.*找不到文件"):
        checklists.active()


MALFORMED = [
    ("venue = [1", ["不是有效的 TOML"]),
    ('[[lunch.items]]\nid = "a"\nlabel = "a"\ntext = "a"\n', ["lunch", "未知清单“lunch”"]),
    ('[[venue.items]]\nid = "a1"\nlabel = "甲"\n', ["venue 第 1 项（id=a1）", "缺少 text"]),
    (
        '[[venue.items]]\nid = "phones"\nlabel = "甲"\ntext = "甲项"\n',
        ["venue 第 1 项（id=phones）", "id “phones” 重复"],
    ),
    ('[[sweep.items]]\nid = "坏 id"\nlabel = "甲"\ntext = "甲项"\n', ["sweep 第 1 项", "id 应为"]),
    (
        '[[venue.items]]\nid = "a2"\nlabel = "甲"\ntext = "甲项"\ncolour = "red"\n',
        ["venue 第 1 项（id=a2）", "未知键“colour”"],
    ),
    ('[venue]\ntitle = "我的检查"\n', ["venue", "未知键“title”"]),
    ('[[venue.items]]\nid = "a3"\nlabel = ""\ntext = "甲项"\n', ["label 应为非空文字"]),
    ('[[venue.items]]\nid = "a4"\nlabel = "甲"\ntext = 5\n', ["text 应为非空文字"]),
    (
        '[[venue.items]]\nid = "a5"\nlabel = "一二三四五六七八九十一二三四五六七八九十一"\ntext = "甲"\n',
        ["label 过长"],
    ),
    ("[venue]\nitems = []\n", ["venue.items", "没有项目"]),
]


@pytest.mark.parametrize(("content", "expected"), MALFORMED)
def test_malformed_site_file_names_file_item_and_problem(
    tmp_path: Path, content: str, expected: list[str]
) -> None:
    site = tmp_path / "site.toml"
    site.write_text(content, encoding="utf-8")
    with pytest.raises(ChecklistFileError) as err:
        load(site)
    message = str(err.value)
    assert message.startswith(f"清单文件 {site}：")
    for part in expected:
        assert part in message, message


def test_malformed_builtin_file_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "builtin.toml"
    broken.write_text(
        '[venue]\ntitle = "会场"\nform = "表"\n[[venue.items]]\nid = "a"\nlabel = "甲"\ntext = "甲"\n',
        encoding="utf-8",
    )
    with pytest.raises(ChecklistFileError, match="缺少清单 \\[agreement\\]"):
        load(builtin=broken)
    broken.write_text('[venue]\nform = "表"\nitems = []\n', encoding="utf-8")
    with pytest.raises(ChecklistFileError, match="venue：缺少 title"):
        load(builtin=broken)


def test_unsettled_items() -> None:
    venue = load()["venue"]
    everything_ok = {it.id.lower(): ("ok", False) for it in venue.items}
    assert checklists.unsettled(venue, everything_ok) == ()
    answers = {**everything_ok, "wireless": ("fail", False)}
    del answers["phones"]
    assert [it.id for it in checklists.unsettled(venue, answers)] == ["phones", "wireless"]
    answers["wireless"] = ("fail", True)
    answers["phones"] = ("na", False)
    assert checklists.unsettled(venue, answers) == ()

"""The columns of the marketing system's exports: each column's config key, Chinese header and aliases.

The reader finds the columns of an export by these headers (plus the extra names a
workspace's config/targets.yaml gives per key), the sample writer writes them, and the
targets loader checks its column keys against them.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- columns of the input files ------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of an applications or pauses table: its config key, Chinese header and aliases."""

    key: str
    header: str
    required: bool
    aliases: tuple[str, ...] = ()


APPLICATION_COLUMNS: tuple[Column, ...] = (
    Column("application-id", "申请编号", True, ("申请号", "业务编号", "application id")),
    Column("unit", "供电单位", True, ("单位", "supply unit", "unit")),
    Column("customer", "户名", True, ("用户名称", "客户名称", "customer", "customer name")),
    Column("address", "用电地址", False, ("address",)),
    Column("business-type", "业务类型", True, ("business type", "type")),
    Column("small-micro", "小微企业", False, ("是否小微企业", "small micro", "small-micro enterprise")),
    Column("voltage", "电压等级", False, ("voltage", "voltage level")),
    Column("capacity-kva", "容量(kVA)", True, ("容量", "申请容量", "容量(千伏安)", "capacity", "capacity (kVA)")),
    Column("accepted", "受理日期", True, ("受理时间", "accepted", "accepted date")),
    Column("energised", "送电日期", False, ("送电时间", "接电日期", "energised", "energized", "energised date")),
    Column("steps", "环节数", False, ("环节", "steps")),
    Column("materials", "申请材料", False, ("materials",)),
    Column("cost", "接电费用(元)", False, ("接电费用", "connection cost", "cost")),
    Column("visits", "跑动次数", False, ("visits",)),
    Column("channel", "受理渠道", False, ("channel",)),
)

# Facts the later target profiles need (optional; see applications/profiles.py). Read with the
# columns above; the sample exports and the packs' 明细 do not write them.
FACT_COLUMNS: tuple[Column, ...] = (
    Column("three-zero", "三零服务", False, ("是否三零服务", "三零", "three zero")),
    Column("external-works", "外线工程", False, ("是否有外线工程", "external works")),
    Column("power-source", "电源", False, ("电源类型", "供电电源", "power source")),
    Column("area", "城乡", False, ("城乡类别", "area")),
    Column("capacity-kw", "容量(kW)", False, ("容量(千瓦)", "capacity (kW)")),
)

PAUSE_COLUMNS: tuple[Column, ...] = (
    Column("application-id", "申请编号", True, ("申请号", "业务编号", "application id")),
    Column("pause-start", "暂停开始", True, ("暂停开始日期", "pause start")),
    Column("pause-end", "暂停结束", False, ("暂停结束日期", "pause end")),
    Column("reason", "原因", False, ("暂停原因", "reason")),
    Column("pause-kind", "暂停类型", False, ("暂停种类", "pause kind")),
)

"""config/reminders.yaml: defaults, the bundled file, and errors with their positions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gdcomply.errors import ConfigError
from gdcomply.reminders.settings import Security, check_against_parties, load_remind_config
from gdcomply.resources import bundled_config_dir


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reminders.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_remind_config(path, display="reminders.yaml")
    return [str(p) for p in raised.value.problems]


def test_an_absent_file_means_the_defaults(tmp_path):
    config = load_remind_config(tmp_path / "reminders.yaml")
    assert not config.exists
    rules = config.rules
    assert rules.lead_working_days == (5, 2, 0)
    assert rules.overdue_every_working_days == 2
    assert (rules.escalation_enabled, rules.escalate_after_working_days, rules.escalate_to) == (True, 1, "company")
    assert rules.send_on_non_working_days is False
    assert not config.smtp.configured


def test_the_bundled_file_loads_and_states_the_defaults(tmp_path):
    bundled = load_remind_config(bundled_config_dir() / "reminders.yaml")
    defaults = load_remind_config(tmp_path / "absent.yaml")
    assert bundled.exists
    assert dataclass_fields(bundled.rules, skip="escalate_to_where") == dataclass_fields(defaults.rules, skip="escalate_to_where")
    assert bundled.lock_wait_seconds == defaults.lock_wait_seconds
    smtp = bundled.smtp
    assert (smtp.host, smtp.sender_address, smtp.security, smtp.port, smtp.timeout_seconds) == (
        None, None, Security.STARTTLS, 587, 30.0,
    )  # fmt: skip
    text = (bundled_config_dir() / "reminders.yaml").read_text(encoding="utf-8")
    assert "GDCOMPLY_SMTP_PASSWORD" in text and "password:" not in text


def dataclass_fields(value, *, skip: str) -> dict:
    import dataclasses

    return {k: v for k, v in dataclasses.asdict(value).items() if k != skip}


def test_a_full_file(tmp_path):
    config = load_remind_config(write_config(tmp_path, """\
        version: 1
        lead_working_days: [0, 10, 3]
        overdue_every_working_days: 0
        escalation:
          enabled: true
          after_working_days_overdue: 4
          to_party: company
        send_on_non_working_days: true
        lock_wait_seconds: 0
        smtp:
          host: smtp.example.com
          security: ssl
          sender: 获得电力报送提醒 <noreply@example.com>
          timeout_seconds: 12.5
        """))  # fmt: skip
    assert config.rules.lead_working_days == (10, 3, 0)
    assert config.rules.overdue_every_working_days == 0
    assert config.rules.escalate_after_working_days == 4
    assert config.rules.send_on_non_working_days is True
    assert config.lock_wait_seconds == 0
    smtp = config.smtp
    assert (smtp.host, smtp.port, smtp.security) == ("smtp.example.com", 465, Security.SSL)
    assert (smtp.sender_name, smtp.sender_address, smtp.timeout_seconds) == ("获得电力报送提醒", "noreply@example.com", 12.5)
    assert smtp.configured


def test_every_problem_is_reported_with_its_position(tmp_path):
    path = write_config(tmp_path, """\
        version: 1
        lead_working_days: [5, 5, -1]
        overdue_every_wrking_days: 2
        escalation:
          after_working_days_overdue: soon
        smtp:
          hots: smtp.example.com
          security: tls
          port: 70000
          sender: not an address
          timeout_seconds: 0
        """)  # fmt: skip
    assert problems_of(path) == [
        "reminders.yaml:2:24: lead_working_days[1]: 重复的提前天数 5",
        "reminders.yaml:2:27: lead_working_days[2]: “-1”应为不小于 0 的整数",
        "reminders.yaml:3:1: overdue_every_wrking_days: 未知的字段“overdue_every_wrking_days”，"
        "是否应为“overdue_every_working_days”？（允许的字段：escalation、lead_working_days、lock_wait_seconds、"
        "overdue_every_working_days、send_on_non_working_days、smtp、version）",
        "reminders.yaml:5:31: escalation.after_working_days_overdue: “soon”应为不小于 0 的整数",
        "reminders.yaml:7:3: smtp.hots: 未知的字段“hots”，是否应为“host”？（允许的字段：host、port、reply_to、security、sender、timeout_seconds）",
        "reminders.yaml:8:13: smtp.security: 加密方式“tls”无效，应为 starttls（587 端口常用）、ssl（465 端口常用）"
        "或 none（不加密，只适合本机或内网中继）",
        "reminders.yaml:9:9: smtp.port: 端口“70000”无效，应为 1 到 65535",
        "reminders.yaml:10:11: smtp.sender: “not an address”不是有效的发件人，应写作“名称 <邮箱>”或只写一个邮箱，"
        "如 获得电力报送提醒 <noreply@example.com>",
        "reminders.yaml:11:20: smtp.timeout_seconds: “0”应为大于 0、不超过 3600 的秒数",
    ]


def test_a_password_in_the_file_is_refused_without_echoing_it(tmp_path):
    path = write_config(tmp_path, """\
        smtp:
          host: smtp.example.com
          user: bot
          password: hunter2-secret
        """)  # fmt: skip
    with pytest.raises(ConfigError) as raised:
        load_remind_config(path, display="reminders.yaml")
    text = str(raised.value)
    assert "reminders.yaml:3:3: smtp.user: 不能设置“user”" in text
    assert "reminders.yaml:4:3: smtp.password: 不能设置“password”：用户名和密码只能通过环境变量" in text
    assert "hunter2-secret" not in text


def test_an_empty_file_means_the_defaults(tmp_path):
    config = load_remind_config(write_config(tmp_path, "# nothing set yet\n"))
    assert config.exists and config.rules.lead_working_days == (5, 2, 0)


def test_the_escalation_party_must_be_in_the_calendar(tmp_path):
    config = load_remind_config(write_config(tmp_path, "escalation:\n  to_party: yingxiao\n"), display="reminders.yaml")
    with pytest.raises(ConfigError) as raised:
        check_against_parties(config, {"bureau", "company", "guiyuan", "gongdian"})
    assert "reminders.yaml:2:13: escalation.to_party: 未知的单位“yingxiao”" in str(raised.value)
    check_against_parties(load_remind_config(tmp_path / "absent.yaml"), {"company"})


def test_numbers_must_be_finite_and_in_range_and_messages_show_the_users_text(tmp_path):
    """Issue 11 item 3: .nan passed validate; a mapping where a number belongs printed Node(...)."""
    path = write_config(
        tmp_path,
        """\
        lead_working_days: [5, 100000]
        overdue_every_working_days: {every: 2}
        lock_wait_seconds: .inf
        escalation:
          enabled: [yes]
        smtp:
          security: {kind: ssl}
          port: 0x1FFFF
          timeout_seconds: .nan
        """,
    )
    assert problems_of(path) == [
        "reminders.yaml:1:24: lead_working_days[1]: “100000”太大，应为 0 到 250 之间的整数",
        "reminders.yaml:2:29: overdue_every_working_days: “映射（键: 值）”应为不小于 0 的整数",
        "reminders.yaml:3:20: lock_wait_seconds: “.inf”应为不小于 0、不超过 3600 的秒数",
        "reminders.yaml:5:12: escalation.enabled: “列表”应为 true 或 false",
        "reminders.yaml:7:13: smtp.security: 加密方式“映射（键: 值）”无效，应为 starttls（587 端口常用）、ssl（465 端口常用）"
        "或 none（不加密，只适合本机或内网中继）",
        "reminders.yaml:8:9: smtp.port: 端口“0x1FFFF”无效，应为 1 到 65535",
        "reminders.yaml:9:20: smtp.timeout_seconds: “.nan”应为大于 0、不超过 3600 的秒数",
    ]


def test_validate_reports_a_nan_timeout(cli, tmp_path):
    assert cli(["init", tmp_path / "ws"]).exit_code == 0
    (tmp_path / "ws" / "config" / "reminders.yaml").write_text("smtp:\n  timeout_seconds: .NaN\n", encoding="utf-8")
    result = cli(["validate", "--workspace", tmp_path / "ws"])
    assert result.exit_code == 1, result.output
    assert "smtp.timeout_seconds: “.NaN”应为大于 0、不超过 3600 的秒数" in result.stderr
    assert "Node(" not in result.output


def test_no_message_of_any_loader_shows_parser_internals(tmp_path):
    """A mapping or a list wherever a scalar belongs, in every settings file: never a repr."""
    from gdcomply.applications.targets import load_targets
    from gdcomply.calendar import load_calendar

    deadlines = tmp_path / "deadlines.yaml"
    deadlines.write_text(
        textwrap.dedent(
            """\
            version: {v: 1}
            defaults: {roll: [x], min_gap_working_days: {n: 1}}
            parties: {}
            obligations:
              report:
                title: t
                years: {first: {y: 1}, last: [2019]}
                rounds:
                  - dates: {units: {m: 1}}
            """
        ),
        encoding="utf-8",
    )
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "limits: {residential: {a: 1}, small-micro: 100000}\ntargets: {small-micro-cost: .nan, small-micro-steps: [1]}\n",
        encoding="utf-8",
    )
    for loader, path in ((load_calendar, deadlines), (load_targets, targets)):
        with pytest.raises(ConfigError) as raised:
            loader(path)
        text = str(raised.value)
        assert "Node(" not in text and "{'" not in text and "['" not in text, text
    assert "targets.yaml:2:29: targets.small-micro-cost: “.nan”应为不小于 0 的数字" in text
    assert "targets.yaml:1:44: limits.small-micro: 100000 太大，应为 1 到 1000 之间的整数" in text


# -- smtp.reply_to (issue 12 item 8) ---------------------------------------------------------


def test_reply_to_is_optional_and_read_like_the_sender(tmp_path):
    assert load_remind_config(tmp_path / "absent.yaml").smtp.reply_to_address is None
    smtp = load_remind_config(write_config(tmp_path, """\
        smtp:
          sender: noreply@example.com
          reply_to: 营销部 张三 <ZhangSan@example.com>
        """)).smtp  # fmt: skip
    assert (smtp.reply_to_name, smtp.reply_to_address) == ("营销部 张三", "ZhangSan@example.com")
    bare = load_remind_config(write_config(tmp_path, "smtp:\n  reply_to: zhangsan@example.com\n")).smtp
    assert (bare.reply_to_name, bare.reply_to_address) == ("", "zhangsan@example.com")
    empty = load_remind_config(write_config(tmp_path, "smtp:\n  reply_to:\n")).smtp
    assert empty.reply_to_address is None


@pytest.mark.parametrize(
    "value, message",
    [
        ("zhangsan@example.com, lisi@example.com", "“zhangsan@example.com, lisi@example.com”不是有效的回复地址"),
        ("zhangsan@example.com;lisi@example.com", "“zhangsan@example.com;lisi@example.com”不是有效的回复地址"),
        ("张三 zhangsan@example.com", "“张三 zhangsan@example.com”不是有效的回复地址"),
        ("营销部 <zhangsan@example>", "“营销部 <zhangsan@example>”不是有效的回复地址"),
        ("'营销部: zhangsan@example.com;'", "“营销部: zhangsan@example.com;”不是有效的回复地址"),
        ("张三 <zhangsan@example.com", "“张三 <zhangsan@example.com”不是有效的回复地址"),
        ("[zhangsan@example.com]", "应为回复地址（如 营销部 张三 <zhangsan@example.com>）"),
        ("yes", "应为回复地址（如 营销部 张三 <zhangsan@example.com>），而不是 true"),
    ],
)
def test_a_bad_reply_to_is_a_positioned_problem(tmp_path, value, message):
    path = write_config(tmp_path, f"""\
        version: 1
        smtp:
          host: smtp.example.com
          reply_to: {value}
        """)  # fmt: skip
    hint = "，应写作“名称 <邮箱>”或只写一个邮箱，如 营销部 张三 <zhangsan@example.com>"
    expected = f"reminders.yaml:4:13: smtp.reply_to: {message}" + (hint if message.endswith("回复地址") else "")
    assert problems_of(path) == [expected]


def test_a_sender_list_is_refused_not_cut_to_its_first_address(tmp_path):
    """email.utils.parseaddr("a@x.cn, b@x.cn") gives ("", "a@x.cn"): a typo silently dropped."""
    path = write_config(tmp_path, "smtp:\n  sender: a@example.com, b@example.com\n")
    assert problems_of(path) == [
        "reminders.yaml:2:11: smtp.sender: “a@example.com, b@example.com”不是有效的发件人，"
        "应写作“名称 <邮箱>”或只写一个邮箱，如 获得电力报送提醒 <noreply@example.com>"
    ]


def test_the_bundled_files_reply_to_example_is_valid_once_uncommented(tmp_path):
    text = (bundled_config_dir() / "reminders.yaml").read_text(encoding="utf-8")
    example = "  # reply_to: 营销部 张三 <zhangsan@example.com>\n"
    assert text.count(example) == 1
    smtp = load_remind_config(write_config(tmp_path, text.replace(example, example.replace("# ", "", 1)))).smtp
    assert (smtp.reply_to_name, smtp.reply_to_address) == ("营销部 张三", "zhangsan@example.com")


# -- contacts' phone numbers in deadlines.yaml (shown in escalation copies) ------------------


def contacts_yaml(phone_lines: str) -> str:
    return textwrap.dedent("""\
        version: 1
        parties:
          guiyuan:
            name: 桂源公司
            contacts:
              - name: 桂源公司专责
                email: guiyuan@example.com
        """) + textwrap.indent(textwrap.dedent(phone_lines), " " * 8) + textwrap.dedent("""\
        obligations:
          report:
            title: 报告
            source: 三(一)
            years: 2026
            steps:
              units: {from: [guiyuan]}
            rounds:
              - dates: {units: 06-08}
        """)  # fmt: skip


@pytest.mark.parametrize(
    "written, kept",
    [("0774-5288888", "0774-5288888"), ("07745211234", "07745211234"), ("13800138000", "13800138000"),
     ("'0774 5288888 转 8012'", "0774 5288888 转 8012")],  # fmt: skip
)
def test_a_contacts_phone_is_kept_as_written(tmp_path, written, kept):
    from gdcomply.calendar import load_calendar

    path = tmp_path / "deadlines.yaml"
    path.write_text(contacts_yaml(f"phone: {written}\n"), encoding="utf-8")
    assert load_calendar(path).parties["guiyuan"].contacts[0].phone == kept


@pytest.mark.parametrize(
    "written, message",
    [
        ("[0774, 5288888]", "应为一行电话号码，如 0774-5288888 或 138 0013 8000"),
        ("'无'", "“无”不是电话号码：应为一行电话号码，如 0774-5288888 或 138 0013 8000（不超过 40 个字符）"),
        ('"0774\\n5288888"', "电话号码中有换行或控制字符：应为一行电话号码，如 0774-5288888 或 138 0013 8000"),
    ],
)
def test_a_bad_phone_is_a_positioned_problem(tmp_path, written, message):
    from gdcomply.calendar import load_calendar

    path = tmp_path / "deadlines.yaml"
    path.write_text(contacts_yaml(f"phone: {written}\n"), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_calendar(path, display="deadlines.yaml")
    assert [str(p) for p in raised.value.problems] == [f"deadlines.yaml:8:16: parties.guiyuan.contacts[0].phone: {message}"]

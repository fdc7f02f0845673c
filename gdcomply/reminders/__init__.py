"""Email reminders: which reports to remind whom of today, and sending the mails.

It owns the reminder rules and mail settings of config/reminders.yaml (``settings``), the
pure planning of which reminders are due (``plan``: rules, calendar, statuses, sent records
and as_of in; planned emails out) and the SMTP side (``mail``, the only module that talks
SMTP and the only one that sees the credentials). It may import the standard library,
``gdcomply.errors``, ``gdcomply.yamlsource``, the calendar, ``gdcomply.workdays``,
``gdcomply.tracking`` and the ledger's records (``gdcomply.ledger.model``); never the SQLite
store, the packs or the CLI. The mails' text is rendered by ``gdcomply.reports.mail_render``,
which imports ``plan``'s records, never the reverse. Nothing is imported here.
"""

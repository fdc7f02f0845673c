"""The ledger: what was submitted, when, with which evidence, and what was done about it since.

It owns the records (``model``: submissions, evidence files, the audit log, sent reminders,
free of any database), the SQLite store that keeps them (``sqlite``, the only module that
talks SQL; a second backend would sit beside it and return the same records), the evidence
store of submitted files (``evidence``), recording a submission file first and row second
(``recording``), and backup and restore of a workspace (``backup``). It may import the
standard library, gdcomply's version, ``gdcomply.errors``, ``gdcomply.safefiles``,
``gdcomply.workspace``, and for recording the calendar, ``gdcomply.setup`` and
``gdcomply.tracking``; never the packs, the reminders, ``gdcomply.reports`` or the CLI.
Nothing is imported here: import the module you need (``gdcomply.ledger.sqlite``…).
"""

"""The ledger: what was submitted, when, with which evidence, and what was done about it since.

It owns the records (``model``: submissions, evidence files, the audit log, sent reminders,
free of any database), the two stores that keep them behind one API (``store``: the
protocols and ``open_store``; ``sqlite``, the workspace's file, and ``postgres``, a shared
database with the evidence inside it: the only modules that talk SQL), which of them a
command uses (``location``), the evidence folder of an SQLite ledger (``evidence``),
recording a submission evidence first and row second (``recording``), backup and restore of
a workspace (``backup``) and ``ledger copy`` from SQLite to PostgreSQL (``transfer``). It may
import the standard library, gdcomply's version, psycopg (``postgres`` only), ``gdcomply.errors``,
``gdcomply.safefiles``, ``gdcomply.workspace``, ``gdcomply.yamlsource``, and for recording
the calendar, ``gdcomply.setup`` and ``gdcomply.tracking``; never the packs, the reminders,
``gdcomply.reports`` or the CLI. Nothing is imported here: import the module you need
(``gdcomply.ledger.sqlite``…).
"""

"""Complaints from the 12398 and 966068 hotlines (实施方案 二(四)): the register and its reply deadlines.

It owns the complaint model (sources, categories, the record the ledger keeps, the masking
of phone numbers), the loader of config/complaints.yaml (reply and closure limits per source
and category, the company's departments with their contacts, the column mapping), the
reader of the hotline systems' exports (with the applications reader's machinery:
``gdcomply.applications.tables`` and ``cells``, the same positioned errors), the reply
deadlines and the check, the period figures, and the synthetic sample exports. It may import
the standard library, ``gdcomply.errors``, ``gdcomply.yamlsource``, ``gdcomply.workdays``,
``gdcomply.calendar`` (the parties) and ``gdcomply.applications``; never the ledger (the
CLI passes the stored complaints in), the packs, ``gdcomply.reports`` or the CLI.
Nothing is imported here: import the module you need (``gdcomply.complaints.deadlines``…).
"""

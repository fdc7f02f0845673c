"""Connection applications (业扩报装): what an export holds, how it is read, and what the plan measures.

It owns the columns of the marketing system's exports and the application model, the
reader of .xlsx/.csv exports (the only place here that touches python-calamine and the csv
module), the measures of the plan's targets and the open-application check, the loader of
config/targets.yaml and the synthetic sample data. It may import the standard library,
python-calamine, ``gdcomply.errors``, ``gdcomply.yamlsource`` and ``gdcomply.workdays``;
never the ledger, the packs, ``gdcomply.reports`` or the CLI (the packs and the CLI import it).
Nothing is imported here: import the module you need (``gdcomply.applications.measures``…).
"""

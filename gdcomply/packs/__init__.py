"""Report packs: the Excel and Word files a unit or the company submits for one calendar instance.

It owns the pack model that ``gdcomply.reports`` renders (``model``: sheets, columns, Word
text, requests and results), the pieces every kind shares (``shared``: the planning context,
the target table, the figures block), the build (``build``: the one dispatch by kind, the
temporary folder, the manifest, the atomic move), one module per kind of pack
(``connection_data``, ``progress_report``, ``self_inspection``, ``rectification``), the
company's consolidation of the units' connection data (``company``, which imports
``connection_data``, never the reverse) and the --notes files (``notes``). It may import the
standard library, python-calamine (to read workbooks back), ``gdcomply.errors``,
``gdcomply.yamlsource``, the calendar, ``gdcomply.workdays``, the applications, the ledger,
``gdcomply.tracking`` and ``gdcomply.setup``, and ``gdcomply.reports`` lazily when a file is
rendered; ``reports`` imports only ``model`` from here, and nothing here imports the CLI.
Nothing is imported here: import the module you need.
"""

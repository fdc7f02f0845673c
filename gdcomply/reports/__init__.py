"""Rendering: the files and texts gdcomply produces, from plain data it is given.

It owns the libraries that write documents: XlsxWriter for the packs' workbooks
(``xlsx_pack``), docxtpl and jinja2 for their Word documents (``docx_pack``), jinja2 for the
reminder mails (``mail_render``), icalendar for the calendar export (``ics``), openpyxl for
the sample export (``sample_xlsx``), the byte-identical normalisation of office files and
zips (``deterministic``), and jinja2 for the HTML pages and the weekly digest (``pages``, with
the geometry of their SVG charts in ``timeline`` and ``stats_page``; templates in ``html/``).
It may import the
standard library, its libraries (loaded only when something is rendered: its callers import
these modules lazily, or a module imports its library inside the function), and of gdcomply
``errors``, ``resources`` and the models it renders: the pack model (``packs.model``), the
calendar, the statuses of ``tracking``, the working-day model, the reminder plan's records,
the applications' measures and the sample data. Never the modules that plan packs, the ledger's store or the CLI.
Nothing is imported here.
"""

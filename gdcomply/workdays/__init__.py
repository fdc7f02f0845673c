"""China's working-day calendar and its holiday sources: one convention for counting working days.

It owns the calendar's plain data (``model``: the supported range, day kinds, roll rules,
official year arrangements, warnings, and the merge of the sources), the table built from
the holidays package and cached on disk (``package``, the only module that imports
``holidays``), the workspace's config/holidays.yaml (``holidayfile``: read, and year
entries written), the reader of the State Council's holiday notice (``notice``, OpenCC for
traditional characters) and the ``WorkCalendar`` built from them (``workcalendar``: count,
add, roll, provisional years). It may import the standard library, ``holidays``,
``platformdirs``, ``yaml`` (through ``gdcomply.yamlsource`` and for writing), ``opencc`` and
``gdcomply.errors``; nothing else of gdcomply, which all imports it. Nothing is imported here.
"""

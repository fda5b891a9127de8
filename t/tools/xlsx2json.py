#!/usr/bin/python3
# Reads an .xlsx file with openpyxl (Debian python3-openpyxl; run with
# /usr/bin/python3) and prints it as JSON for the tests:
# {"sheets": [{"name", "rows": [[cell, ...], ...], "bold_header": bool}]}
# numbers stay numbers, empty cells are null.  With --count (large
# files, read streaming): each sheet's name, row count, first two rows
# and last row instead of every row.
import json
import sys

import openpyxl

count = len(sys.argv) > 2 and sys.argv[2] == "--count"
wb = openpyxl.load_workbook(sys.argv[1], read_only=count)
out = []
for ws in wb.worksheets:
    if count:
        n, head, last = 0, [], None
        for r in ws.iter_rows(values_only=True):
            n += 1
            if n <= 2:
                head.append(list(r))
            last = list(r)
        out.append({"name": ws.title, "count": n, "head": head,
                    "last": last})
        continue
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    bold = bool(rows) and all(c.font is not None and c.font.b
                              for c in ws[1])
    out.append({"name": ws.title, "rows": rows, "bold_header": bold})
json.dump({"sheets": out}, sys.stdout)

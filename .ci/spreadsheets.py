#!/usr/bin/env python3
"""The spreadsheet exports read by openpyxl, as a French administration's spreadsheet would
open them: a frozen, filterable header row, codes and identifiers as text (`department:69`,
`0690001B`), amounts as numbers in euros with two decimals, dates as dates.

Usage: spreadsheets.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD
"""

import io
import json
import sys
import urllib.request
from datetime import datetime

from openpyxl import load_workbook

BASE, EMAIL, PASSWORD = sys.argv[1:4]


def token():
    request = urllib.request.Request(
        BASE + "/api/v1/auth/login", method="POST",
        data=json.dumps({"email": EMAIL, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["access_token"]


def sheet(path, bearer):
    request = urllib.request.Request(BASE + path, headers={"Authorization": f"Bearer {bearer}"})
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
    book = load_workbook(io.BytesIO(body), read_only=False)
    return book.worksheets[0]


bearer = token()
projects = sheet("/api/v1/exports/projects.xlsx?status=validated", bearer)
header = [c.value for c in projects[1]]
assert header[:3] == ["id", "programme", "territory"], header
assert projects.freeze_panes == "A2", projects.freeze_panes
assert projects.auto_filter.ref, "the header row has filters"
col = {name: i for i, name in enumerate(header)}
rows = list(projects.iter_rows(min_row=2, values_only=False))
assert len(rows) > 100, f"only {len(rows)} validated projects"
for row in rows[:500]:
    assert isinstance(row[col["territory"]].value, str), row[col["territory"]].value
    assert row[col["status"]].value == "validated"
    amount = row[col["requested_amount_cents"]]
    assert isinstance(amount.value, (int, float)), amount.value
    assert "0.00" in amount.number_format, amount.number_format
    decided = row[col["decided_at"]].value
    assert isinstance(decided, datetime), decided
    uai = row[col["establishment_uai"]].value
    assert uai is None or (isinstance(uai, str) and len(uai) == 8), uai
events = sheet("/api/v1/exports/events.xlsx", bearer)
header = [c.value for c in events[1]]
col = {name: i for i, name in enumerate(header)}
first = next(events.iter_rows(min_row=2, values_only=True))
assert isinstance(first[col["starts_at"]], datetime), first
assert isinstance(first[col["participants"]], (int, float)), first
print(f"spreadsheets OK: {len(rows)} validated projects and the events read by openpyxl with typed cells")

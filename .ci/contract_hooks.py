"""Schemathesis hooks for Terrain's contract tests.

JSON Schema describes each field alone; a few of Terrain's rules tie fields together or depend on
what the database holds. The OpenAPI document states them in words, and these hooks teach them to
the generator, for schema-valid (positive) cases only, so that `positive_data_acceptance` checks
that every request obeying the documented rules is accepted:

- the `uai` format: a UAI whose last letter is its check letter;
- an API token expires within a year; a webhook's target is one the contract server may call;
- a project's theme is one of its programme's themes, its UAI lies inside its territory and its
  period does not end before it starts; an event ends after it starts; a statistics or list
  period does not end before it starts;
- a comment accompanies the actions that require one, and reasons only a request for changes;
- an indicator's target differs from its baseline (it gives the direction to reach it); a
  payment is made from a financial support of the project;
- an upload carries a real file (its type is read from its content), a message no file its
  author has not attached beforehand;
- a body fits in 64 KiB as sent (SPEC §1: larger ones are refused with 413, whatever they hold);
- `If-Match` carries the ETag just read, `Idempotency-Key` is not reused for another body, a
  `cursor` is one the service handed out, linked projects exist, a fund paying a support exists,
  a batch's template is one of its decision, a follower is an administrator in the project's scope
  (the caller, when an administrator).

Negative cases are left as generated: each must still be refused.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import date, datetime
from pathlib import Path

import requests
import schemathesis
from hypothesis import strategies as st

BASE = os.environ.get("CONTRACT_BASE", "http://127.0.0.1:18080")
AUTH = {"Authorization": os.environ["CONTRACT_AUTH"]} if os.environ.get("CONTRACT_AUTH") else {}

PDF = (Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "budget.pdf").read_bytes()

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
UAI_PREFIXES = [f"0{n:02d}" for n in range(1, 96) if n != 20] + ["620", "720", "971", "972", "973", "974", "976"]


def uai(prefix: str, digits: str) -> str:
    number = prefix + digits
    return number + UAI_LETTERS[int(number) % 23]


schemathesis.openapi.format(
    "uai",
    st.builds(uai, st.sampled_from(UAI_PREFIXES), st.from_regex(r"\A[0-9]{4}\Z")),
)


def get(path: str) -> requests.Response:
    return requests.get(BASE + path, headers=AUTH, timeout=10)


def every(path: str) -> list[dict]:
    items, cursor = [], None
    while True:
        page = get(path + "?limit=100" + (f"&cursor={cursor}" if cursor else "")).json()
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


THEMES = {p["code"]: [t["code"] for t in p["themes"]] for p in every("/api/v1/programmes")}
PARENTS = {t["id"]: t["parent"] for t in every("/api/v1/territories")}


def departments_in(territory: str) -> list[str]:
    """The départements of a territory's subtree, in a stable order."""

    def inside(node: str | None) -> bool:
        while node is not None:
            if node == territory:
                return True
            node = PARENTS.get(node)
        return False

    return sorted(t for t in PARENTS if t.startswith("department:") and inside(t))


def uai_prefix(department: str) -> str:
    code = department.split(":", 1)[1]
    return {"2A": "620", "2B": "720"}.get(code, code if len(code) == 3 else "0" + code)


def uai_inside(value: str, territory: str | None) -> str | None:
    """`value` moved into `territory`, keeping its own digits; None when nowhere to go."""
    departments = departments_in(territory) if territory else []
    if not departments:
        return None
    department = departments[int(value[3:7]) % len(departments)]
    return uai(uai_prefix(department), value[3:7])


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("z", "Z"))


def in_order(body: dict, start: str, end: str, current: dict, parse, event: bool) -> None:
    """Makes the end follow the start when the request, applied to `current`, would invert them.

    An event ends strictly after it starts, and its `starts_at: null` leaves the start unchanged;
    a project may end on the day it starts, and its `null` dates clear them.
    """
    sent_start = start in body and not (event and body[start] is None)
    first = body[start] if sent_start else current.get(start)
    last = body[end] if end in body else current.get(end)
    if first is None or last is None:
        return
    a, b = parse(first), parse(last)
    if b < a:
        body[start], body[end] = last, first
    elif event and b == a:
        body[end] = None


def fix_project(body: dict, current: dict) -> None:
    programme = body.get("programme", current.get("programme"))
    themes = THEMES.get(programme, [])
    if "theme" in body and themes and body["theme"] not in themes:
        body["theme"] = themes[sum(map(ord, str(body["theme"]))) % len(themes)]
    if "theme" in body and body["theme"] is None:
        del body["theme"]
    territory = body.get("territory") or current.get("territory")
    if body.get("establishment_uai"):
        moved = uai_inside(body["establishment_uai"], territory)
        if moved is None:
            del body["establishment_uai"]
        else:
            body["establishment_uai"] = moved
    elif "territory" in body and current.get("establishment_uai"):
        # A new territory must still hold the school already recorded.
        body["establishment_uai"] = uai_inside(current["establishment_uai"], body["territory"])
    in_order(body, "starts_on", "ends_on", current, date.fromisoformat, event=False)


def fix_event(body: dict, current: dict) -> None:
    if "project_ids" in body:
        body["project_ids"] = []
    in_order(body, "starts_at", "ends_at", current, instant, event=True)


def fix_account(body: dict, current: dict) -> None:
    if body.get("role", current.get("role")) != "admin":
        body.pop("scope", None)


def fix_transition(body: dict) -> None:
    if body.get("action") in ("request_changes", "reject", "reopen") and not body.get("comment"):
        body["comment"] = "Motif de la décision"
    if body.get("action") != "request_changes":
        body.pop("reasons", None)


def fix_support(body: dict) -> None:
    if body.get("kind") == "financial":
        funds = get("/api/v1/funds?limit=1").json().get("items", [])
        if funds:
            body["fund"] = funds[0]["code"]
            body["amount_cents"] = 1
    else:
        body.pop("fund", None)
        body.pop("amount_cents", None)


BODY_LIMIT = 64 * 1024


def fix_indicator(body: dict) -> None:
    baseline, target = body.get("baseline"), body.get("target")
    if isinstance(baseline, (int, float)) and baseline == target:
        body["target"] = baseline - 1 if baseline > 0 else baseline + 1


def fix_payment(body: dict, ident: str | None) -> None:
    supports = get(f"/api/v1/projects/{ident}/supports").json()
    items = supports.get("items", []) if isinstance(supports, dict) else []
    financial = [s for s in items if s.get("kind") == "financial"]
    if financial:
        body["support_id"] = financial[0]["id"]
        body["amount_cents"] = 1


def fit(body: dict) -> None:
    """Halves the longest text of a schema-valid body until it fits in 64 KiB as sent.

    A text of 20,000 characters outside the Basic Multilingual Plane is valid, yet takes 240 KB
    once escaped in JSON. Halving keeps it valid: no text rule has a minimum above a few characters.
    """
    while len(json.dumps(body).encode()) > BODY_LIMIT:
        texts = [k for k, v in body.items() if isinstance(v, str)]
        if not texts:
            return
        longest = max(texts, key=lambda k: len(json.dumps(body[k])))
        body[longest] = body[longest][: max(len(body[longest]) // 2, 3)].strip() or "abc"


def fix_batch(body: dict) -> None:
    if body.get("template_id") is None:
        return
    templates = get(f"/api/v1/decision-templates?action={body.get('action')}").json()
    items = templates.get("items", []) if isinstance(templates, dict) else []
    if items:
        body["template_id"] = items[0]["id"]
    else:
        del body["template_id"]


def fix_token(body: dict) -> None:
    """A token lasts from tomorrow to one year ahead."""
    from datetime import timedelta

    today = date.today()
    try:
        given = date.fromisoformat(str(body.get("expires_on")))
    except ValueError:
        return
    if not today < given <= today + timedelta(days=365):
        body["expires_on"] = (today + timedelta(days=1 + given.toordinal() % 360)).isoformat()


def me() -> dict:
    response = get("/api/v1/me")
    return response.json() if response.status_code == 200 else {}


@schemathesis.hook
def before_call(context, case, **kwargs):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return
    method = case.operation.method.upper()
    path = case.operation.path
    ident = case.path_parameters.get("id") if case.path_parameters else None

    if isinstance(case.query, dict):
        case.query.pop("cursor", None)
        for start, end in (("from", "to"), ("submitted_from", "submitted_to")):
            if case.query.get(start) and case.query.get(end) and case.query[end] < case.query[start]:
                case.query[start], case.query[end] = case.query[end], case.query[start]

    if path == "/api/v1/programmes/{code}/themes/{theme}" and method == "DELETE":
        # Not the programmes the generator draws its codes from: a theme removed mid-run would
        # make the document it loaded at the start list a theme that no longer exists.
        case.path_parameters["code"] = "contract_scratch"

    if path.endswith("/followers/{account_id}") and method == "PUT":
        caller = me()
        if caller.get("role") == "admin":
            case.path_parameters["account_id"] = caller["id"]

    if case.headers is not None and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())

    current: dict = {}
    resource = None
    if ident is not None and path.startswith("/api/v1/projects/"):
        resource = f"/api/v1/projects/{ident}"
    elif ident is not None and path.startswith("/api/v1/events/"):
        resource = f"/api/v1/events/{ident}"
    elif ident is not None and path.startswith("/api/v1/users/"):
        resource = f"/api/v1/users/{ident}"
    if resource is not None and method != "GET":
        response = get(resource)
        if response.status_code == 200:
            current = response.json()
            if case.headers is not None and "If-Match" in case.headers:
                case.headers["If-Match"] = response.headers["ETag"]

    if path == "/api/v1/projects/{id}/attachments" and method == "POST":
        # A file's type is read from its content: a schema-valid upload carries a PDF. It goes
        # in as text (schemathesis checks a hooked body again, and a `binary` is a string there);
        # its head, `%PDF-`, is what the type is recognised from.
        if isinstance(case.body, dict) and isinstance(case.body.get("file"), (str, bytes)):
            case.body["file"] = PDF.decode("latin-1")
        return

    body = case.body if isinstance(case.body, dict) else None
    if body is None:
        return
    fit(body)
    if path in ("/api/v1/projects", "/api/v1/projects/{id}") and method in ("POST", "PATCH"):
        fix_project(body, current)
    elif path in ("/api/v1/events", "/api/v1/events/{id}") and method in ("POST", "PATCH"):
        fix_event(body, current)
    elif path in ("/api/v1/users", "/api/v1/users/{id}") and method in ("POST", "PATCH"):
        fix_account(body, current)
    elif path == "/api/v1/projects/{id}/transitions":
        fix_transition(body)
    elif path == "/api/v1/projects/{id}/supports":
        fix_support(body)
    elif path == "/api/v1/projects/{id}/messages":
        # Files ride with a message only once their author attached them to the project.
        body.pop("attachment_ids", None)
    elif path == "/api/v1/batches":
        fix_batch(body)
    elif path == "/api/v1/projects/{id}/indicators":
        fix_indicator(body)
    elif path == "/api/v1/projects/{id}/payments":
        fix_payment(body, ident)
    elif path == "/api/v1/me/tokens" and method == "POST":
        fix_token(body)
    elif path == "/api/v1/webhooks" and method == "POST":
        # A target that refuses at once; .ci/contract allows private targets for this.
        body["url"] = "http://127.0.0.1:9/terrain-contract"
        if isinstance(body.get("types"), list) and not body["types"]:
            body["types"] = ["project.status_changed"]

#!/usr/bin/env python3
"""Turns the raw outputs of bench/run into bench/RESULTS.md (printed on stdout).

Usage: report.py RAW_DIR

RAW_DIR holds machine.txt ("key value" lines) and one folder per run, named ENGINE-SCALE, with
one wrk output per scenario (NAME.txt) and meta.txt ("demo_seconds X", "peak_rss_kb N").
Standard library only.
"""

import re
import sys
from pathlib import Path

SCENARIOS = [
    ("health", "`GET /health`"),
    ("project_by_id", "`GET /api/v1/projects/{id}` (auth, random ids)"),
    ("project_list_region", "`GET /api/v1/projects?territory=region:…&status=validated&limit=20`"),
    ("project_list_academy", "`GET /api/v1/projects?territory=academy:…&status=validated&limit=20`"),
    ("project_list_department", "`GET /api/v1/projects?territory=department:…&status=validated&limit=20`"),
    ("stats_overview", "`GET /api/v1/stats/overview`"),
    ("stats_overview_period", "`GET /api/v1/stats/overview?from=2024-01-01&to=2024-12-31`"),
    ("stats_territories", "`GET /api/v1/stats/territories?level=department`"),
    ("page_space", "`GET /espace` (page, lead with 50 projects)"),
    ("page_project", "`GET /espace/projets/{id}` (page, random of the 50)"),
    ("review_queue_api", "`GET /api/v1/review/queue?tab=to_review&limit=50` (académie admin)"),
    ("page_queue", "`GET /instruction` (page, académie admin)"),
    ("project_by_id_token", "`GET /api/v1/projects/{id}` with an API token (observer's, read)"),
    ("project_by_id_during_batch", "`GET /api/v1/projects/{id}` while a batch of 500 validations runs"),
    ("create_project", "`POST /api/v1/projects` (lead)"),
    ("workflow_cycle", "create → submit → start_review → validate"),
    ("workflow_cycle_mail", "the same cycle, mails delivered to an SMTP sink meanwhile"),
]
ENGINE_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
MIB = 1024 * 1024


def parse_duration_ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        return None
    return float(match.group(1)) * UNITS[match.group(2)]


def parse_wrk(text):
    """The figures of one wrk --latency output."""
    out = {"rps": None, "p50": None, "p99": None, "requests": None, "socket_errors": 0,
           "non2xx": 0, "extra": {}, "connections": None}
    if m := re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M):
        out["rps"] = float(m.group(1))
    for pct, key in (("50", "p50"), ("99", "p99")):
        if m := re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", text, re.M):
            out[key] = parse_duration_ms(m.group(1))
    if m := re.search(r"^\s+(\d+) requests in", text, re.M):
        out["requests"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        out["socket_errors"] = sum(int(g) for g in m.groups())
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", text):
        out["non2xx"] = int(m.group(1))
    for m in re.finditer(r"^BENCH_(\w+) ([\d.]+)$", text, re.M):
        out["extra"][m.group(1).lower()] = float(m.group(2))
    if m := re.search(r"^connections (\d+)$", text, re.M):
        out["connections"] = int(m.group(1))
    return out


def read_kv(path):
    values = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, _, value = line.partition(" ")
            values.setdefault(key, []).append(value.strip())
    return values


def fmt_ms(value):
    if value is None:
        return "—"
    if value < 1:
        return f"{value * 1000:.0f} µs"
    if value < 100:
        return f"{value:.2f} ms"
    return f"{value:.0f} ms"


def fmt_rps(value):
    return "—" if value is None else f"{value:,.0f}".replace(",", " ")


def errors(result):
    return result["socket_errors"] + result["non2xx"]


def fmt_errors(result):
    total = errors(result)
    if total == 0:
        return "0"
    parts = []
    if result["non2xx"]:
        parts.append(f"{result['non2xx']} non-2xx")
    if result["socket_errors"]:
        parts.append(f"{result['socket_errors']} socket")
    return f"**{total}** ({', '.join(parts)})"


def ratio(result, health):
    if not result or not health or not result["rps"] or not health["rps"]:
        return None
    return result["rps"] / health["rps"]


def mark(ok):
    return "✅" if ok else "❌"


def main():
    raw = Path(sys.argv[1])
    machine = {k: v[0] for k, v in read_kv(raw / "machine.txt").items()}
    skipped = read_kv(raw / "machine.txt").get("skipped", [])

    runs = {}  # (engine, scale) -> {"scenarios": {...}, "meta": {...}}
    for folder in sorted(raw.iterdir()):
        if not folder.is_dir() or "-" not in folder.name:
            continue
        engine, _, scale = folder.name.rpartition("-")
        scenarios = {}
        for name, _ in SCENARIOS:
            file = folder / f"{name}.txt"
            if file.exists():
                scenarios[name] = parse_wrk(file.read_text())
        kv = read_kv(folder / "meta.txt")
        meta = {k: float(v[0].split()[0]) for k, v in kv.items() if v and v[0]}
        batches = {k.removeprefix("batch_"): [float(x) for x in v[0].split()]
                   for k, v in kv.items() if k.startswith("batch_")}
        pages = {k.removeprefix("page_bytes_"): tuple(int(x) for x in v[0].split())
                 for k, v in kv.items() if k.startswith("page_bytes_")}
        runs[(engine, int(scale))] = {"scenarios": scenarios, "meta": meta, "pages": pages,
                                      "batches": batches,
                                      "meta_lines": {k: v[0] for k, v in kv.items() if v}}

    order = sorted(runs, key=lambda k: (list(ENGINE_NAMES).index(k[0])
                                        if k[0] in ENGINE_NAMES else 99, k[1]))
    lines = []
    w = lines.append
    w("# Terrain — benchmark results")
    w("")
    w("Written by `bench/run` (see `bench/README.md`); overwritten by each run.")
    w("")
    w(f"- Date: {machine.get('date', '?')}")
    w(f"- Machine: {machine.get('nproc', '?')} cores, {machine.get('cpu', '?')}")
    w(f"- Git commit: `{machine.get('commit', '?')}`")
    w(f"- Load: wrk {machine.get('wrk', '?')}, {machine.get('threads', '?')} threads, "
      f"{machine.get('duration', '?')} per scenario, against 127.0.0.1; the load generator and "
      f"the service share the same cores.")
    w(f"- Scales: {machine.get('scales', '?')}; engines asked: {machine.get('engines', '?')}")
    for reason in skipped:
        w(f"- **Skipped** {reason}")
    w("")
    w("Errors are wrk's socket errors (connect, read, write, timeout) plus non-2xx/3xx responses. "
      "Latencies are wrk's p50/p99 over every request of the scenario.")
    w("")

    for key in order:
        engine, scale = key
        run = runs[key]
        sc = run["scenarios"]
        health = sc.get("health")
        w(f"## {ENGINE_NAMES.get(engine, engine)}, scale {scale}")
        w("")
        demo = run["meta"].get("demo_seconds")
        rss = run["meta"].get("peak_rss_kb")
        w(f"- `terrain demo --scale {scale}`: {demo:.1f} s" if demo is not None
          else "- demo time: —")
        w(f"- Peak resident memory of the service after all scenarios (VmHWM): "
          f"{rss * 1024 / MIB:.1f} MiB" if rss is not None else "- Peak RSS: —")
        w("")
        w("| scenario | conns | req/s | p50 | p99 | errors | ratio to /health |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, label in SCENARIOS:
            result = sc.get(name)
            if not result:
                w(f"| {label} | — | — | — | — | not run | — |")
                continue
            r = ratio(result, health)
            w(f"| {label} | {result['connections'] or '—'} | {fmt_rps(result['rps'])} | "
              f"{fmt_ms(result['p50'])} | {fmt_ms(result['p99'])} | {fmt_errors(result)} | "
              f"{'—' if r is None else f'{r:.1%}'} |")
        mails, seconds = run["meta"].get("outbox_mails"), run["meta"].get("outbox_seconds")
        if mails is not None and seconds:
            w("")
            w(f"Outbox: {mails:.0f} mails written by the scenarios (server without SMTP) delivered "
              f"to a local SMTP sink (aiosmtpd) in {seconds:.1f} s after a restart with "
              f"`mail.smtp_url`: **{mails / seconds:.0f} mails/s** "
              f"({run['meta'].get('outbox_pending_before', 0):.0f} pending before).")
        if run["pages"]:
            w("")
            w("Page weight (HTML, as sent / gzip): " + "; ".join(
                f"`{name}` {raw / 1024:.1f} KiB / {gz / 1024:.1f} KiB"
                for name, (raw, gz) in sorted(run["pages"].items())))
        for action, figures in sorted(run["batches"].items()):
            seconds, done, skipped, failed, asked = figures
            w("")
            w(f"Batch `{action}` of {asked:.0f} projects of « À examiner »"
              f"{' (project reads running meanwhile)' if action == 'validate' else ' (alone)'}: "
              f"**{seconds:.2f} s** from `POST /api/v1/batches` to the last outcome; "
              f"{done:.0f} done, {skipped:.0f} skipped, {failed:.0f} failed.")
        cycle = sc.get("workflow_cycle")
        if cycle and "cycles_per_sec" in cycle["extra"]:
            x = cycle["extra"]
            w("")
            w(f"Workflow cycle: the req/s column counts **requests** (4 per cycle: create, submit, "
              f"start_review, validate); completed cycles: **{x['cycles_per_sec']:.1f} cycles/s** "
              f"({x.get('cycles', 0):.0f} validated of {x.get('cycles_started', 0):.0f} started "
              f"in the window, {x.get('chains_broken', 0):.0f} chains broken by an error).")
        w("")

    w("## Targets")
    w("")
    w("Computed from the tables above (same run). ⚪ = not measured in this run.")
    w("")
    w("| target | run | measured | result |")
    w("| --- | --- | --- | --- |")

    def row(target, where, measured, ok):
        w(f"| {target} | {where} | {measured} | {'⚪' if ok is None else mark(ok)} |")

    engines = [e for e in ENGINE_NAMES if any(k[0] == e for k in runs)]
    engines += sorted({k[0] for k in runs} - set(engines))

    def get(engine, scale, name):
        run = runs.get((engine, scale))
        return run["scenarios"].get(name) if run else None

    def label(engine, scale=None):
        name = ENGINE_NAMES.get(engine, engine)
        return name if scale is None else f"{name} ×{scale}"

    for key in order:
        engine, scale = key
        need = 0.15 if engine == "sqlite" else 0.08
        r = ratio(get(engine, scale, "project_by_id"), get(engine, scale, "health"))
        row(f"`GET /projects/{{id}}` ≥ {need:.0%} of /health", label(engine, scale),
            "—" if r is None else f"{r:.1%}", None if r is None else r >= need)
    for key in order:
        engine, scale = key
        for name in ("stats_overview", "stats_territories"):
            r = ratio(get(engine, scale, name), get(engine, scale, "health"))
            row(f"`{name.replace('_', '/', 1)}` ≥ 10% of /health", label(engine, scale),
                "—" if r is None else f"{r:.1%}", None if r is None else r >= 0.10)
    for engine in engines:
        for name in ("stats_overview", "stats_territories"):
            small, big = get(engine, 1, name), get(engine, 10, name)
            target = f"`{name.replace('_', '/', 1)}` p50 at ×10 ≤ 1.5 × p50 at ×1"
            if small and big and small["p50"] and big["p50"] is not None:
                f = big["p50"] / small["p50"]
                row(target, label(engine), f"{fmt_ms(big['p50'])} / {fmt_ms(small['p50'])} = "
                    f"{f:.2f}×", f <= 1.5)
            else:
                row(target, label(engine), "needs scales 1 and 10", None)
    for engine in engines:
        for level in ("region", "academy", "department"):
            lst = get(engine, 10, f"project_list_{level}")
            row(f"filtered list at {level} level p99 < 15 ms at ×10", label(engine, 10),
                fmt_ms(lst["p99"]) if lst else "scale 10 not run",
                None if not lst or lst["p99"] is None else lst["p99"] < 15)
    for engine in engines:
        for name, what in (("page_space", "`/espace`"), ("page_project", "a project page")):
            page = get(engine, 10, name)
            row(f"{what} p99 < 30 ms at ×10 (lead with 50 projects)", label(engine, 10),
                fmt_ms(page["p99"]) if page else "scale 10 not run",
                None if not page or page["p99"] is None else page["p99"] < 30 and errors(page) == 0)
        run = runs.get((engine, 10))
        pages = run["pages"] if run else {}
        heaviest = max(pages.items(), key=lambda kv: kv[1][0], default=None)
        row("every page < 100 KB (as sent, uncompressed) at ×10", label(engine, 10),
            "scale 10 not run" if heaviest is None else
            f"heaviest `{heaviest[0]}` {heaviest[1][0] / 1000:.1f} KB",
            None if heaviest is None else heaviest[1][0] < 100_000)
    for engine in engines:
        for name, what in (("review_queue_api", "`GET /review/queue`"), ("page_queue", "`/instruction`")):
            q = get(engine, 10, name)
            row(f"{what} p99 < 50 ms at ×10 (académie admin)", label(engine, 10),
                fmt_ms(q["p99"]) if q else "scale 10 not run",
                None if not q or q["p99"] is None else q["p99"] < 50 and errors(q) == 0)
        run = runs.get((engine, 10))
        batch = run["batches"].get("validate") if run else None
        row("a batch of 500 validations < 5 s at ×10", label(engine, 10),
            "scale 10 not run" if batch is None else
            f"{batch[0]:.2f} s for {batch[4]:.0f} ({batch[1]:.0f} done)",
            None if batch is None else batch[0] < 5 and batch[4] >= 500 and batch[3] == 0)
        before, during = get(engine, 10, "project_by_id"), get(engine, 10, "project_by_id_during_batch")
        if before and during and before["p99"] and during["p99"] is not None:
            grow = during["p99"] / before["p99"]
            row("project reads keep their p99 during the batch (≤ 1.5 ×)", label(engine, 10),
                f"{fmt_ms(during['p99'])} / {fmt_ms(before['p99'])} = {grow:.2f}×", grow <= 1.5)
        else:
            row("project reads keep their p99 during the batch (≤ 1.5 ×)", label(engine, 10),
                "scale 10 not run", None)
    # Integrations (#19): a token costs no more than a session's token; webhooks arrive fast.
    for engine in engines:
        for scale in (1, 10):
            jwt, token = get(engine, scale, "project_by_id"), get(engine, scale, "project_by_id_token")
            if jwt and token and jwt["rps"] and token["rps"]:
                slower = jwt["rps"] / token["rps"]
                row("API-token `GET /projects/{id}` within 10 % of the JWT one (req/s)",
                    label(engine, scale), f"{fmt_rps(token['rps'])} vs {fmt_rps(jwt['rps'])} req/s "
                    f"({(slower - 1) * 100:+.0f} %)", slower <= 1.10 and errors(token) == 0)
            run = runs.get((engine, scale))
            hook = run["meta_lines"].get("webhook_latency") if run else None
            if hook:
                p50, p99, top, got, expected = (float(x) for x in hook.split())
                row("webhook delivered p99 < 1 s after the write is answered (10 hooks)",
                    label(engine, scale), f"p99 {p99:.0f} ms (p50 {p50:.0f}, max {top:.0f}); "
                    f"{got:.0f}/{expected:.0f} received", p99 < 1000 and got == expected)
    # Open data and office exports (#22): ≥ 20,000 rows/s with RSS growth < 50 MB at ×10.
    for key in order:
        engine, scale = key
        exported = runs[key]["meta_lines"].get("exports")
        if exported and scale == 10:
            rows, csv_rate, csv_rss, xlsx_rate, xlsx_rss = (float(x) for x in exported.split())
            row("`projets-valides.csv` ≥ 20,000 rows/s, RSS growth < 50 MB", label(engine, scale),
                f"{csv_rate:,.0f} rows/s over {rows:,.0f}, +{csv_rss:.1f} MB".replace(",", " "),
                csv_rate >= 20_000 and csv_rss < 50)
            row("`projects.xlsx` ≥ 20,000 rows/s, RSS growth < 50 MB", label(engine, scale),
                f"{xlsx_rate:,.0f} rows/s over {rows:,.0f}, +{xlsx_rss:.1f} MB".replace(",", " "),
                xlsx_rate >= 20_000 and xlsx_rss < 50)
    # Attachments (#20): 10 MB up and down at ≥ 50 MB/s; 8 uploads at once grow RSS < 20 MB.
    for key in order:
        engine, scale = key
        files = runs[key]["meta_lines"].get("attachments")
        if files:
            up, down, growth = (float(x) for x in files.split())
            row("10 MB upload and download ≥ 50 MB/s on loopback", label(engine, scale),
                f"up {up:.0f} MB/s, down {down:.0f} MB/s", up >= 50 and down >= 50)
            row("RSS grows < 20 MB during 8 concurrent 10 MB uploads", label(engine, scale),
                f"+{growth * 1.048576:.1f} MB", growth * 1.048576 < 20)
    for key in order:
        engine, scale = key
        run = runs[key]
        mails, seconds = run["meta"].get("outbox_mails"), run["meta"].get("outbox_seconds")
        if mails is not None and seconds:
            rate = mails / seconds
            row("outbox ≥ 200 mails/s to a local SMTP sink", label(engine, scale),
                f"{rate:.0f} mails/s", rate >= 200)
        off, on = get(engine, scale, "workflow_cycle"), get(engine, scale, "workflow_cycle_mail")
        if off and on and off["p99"] and on["p99"] is not None:
            grow = on["p99"] / off["p99"]
            row("workflow p99 with mails on ≤ 1.1 × without", label(engine, scale),
                f"{fmt_ms(on['p99'])} / {fmt_ms(off['p99'])} = {grow:.2f}×", grow <= 1.1)
    for engine in engines:
        period = get(engine, 10, "stats_overview_period")
        row("overview over a one-year period p99 < 50 ms at ×10", label(engine, 10),
            fmt_ms(period["p99"]) if period else "scale 10 not run",
            None if not period or period["p99"] is None else period["p99"] < 50)
    for key in order:
        engine, scale = key
        if engine != "sqlite":
            continue
        c = get(engine, scale, "create_project")
        if c:
            ok = errors(c) == 0 and c["p99"] is not None and c["p99"] < 50
            row("`POST /projects` (64 conns): no error, p99 < 50 ms", label(engine, scale),
                f"{errors(c)} errors, p99 {fmt_ms(c['p99'])}", ok)
    if "sqlite" not in engines:
        row("`POST /projects` (64 conns): no error, p99 < 50 ms", "SQLite", "not run", None)
    for engine in engines:
        run = runs.get((engine, 10))
        rss = run["meta"].get("peak_rss_kb") if run else None
        row("peak RSS < 100 MB under load at ×10", label(engine, 10),
            "scale 10 not run" if rss is None else f"{rss * 1024 / 1e6:.1f} MB",
            None if rss is None else rss * 1024 < 100e6)
    for engine in engines:
        run = runs.get((engine, 10))
        demo = run["meta"].get("demo_seconds") if run else None
        row("`terrain demo --scale 10` < 60 s", label(engine, 10),
            "scale 10 not run" if demo is None else f"{demo:.1f} s",
            None if demo is None else demo < 60)
    w("")
    notes = Path(__file__).with_name("NOTES.md")
    if notes.exists():
        w(notes.read_text().rstrip())
        w("")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

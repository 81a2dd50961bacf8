"""Open data and office export throughput (bench/run): downloads `/donnees/projets-valides.csv`
(anonymous) and `/api/v1/exports/projects.xlsx?status=validated` (as ADMIN_TOKEN), each while
sampling the service's resident memory every 20 ms.
Prints: `rows csv_rows_per_s csv_rss_growth_mb xlsx_rows_per_s xlsx_rss_growth_mb`.
Usage: exports.py BASE ADMIN_TOKEN SERVER_PID"""

import csv
import io
import sys
import threading
import time
import urllib.request

BASE, TOKEN, PID = sys.argv[1], sys.argv[2], int(sys.argv[3])


def rss_kb():
    with open(f"/proc/{PID}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measured(path, headers):
    baseline = rss_kb()
    peak = [baseline]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kb())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    t0 = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(BASE + path, headers=headers), timeout=600) as r:
        body = r.read()
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    return body, seconds, (peak[0] - baseline) * 1024 / 1e6


body, csv_seconds, csv_growth = measured("/donnees/projets-valides.csv", {})
rows = sum(1 for _ in csv.reader(io.StringIO(body.decode()))) - 1
_, xlsx_seconds, xlsx_growth = measured(
    "/api/v1/exports/projects.xlsx?status=validated", {"Authorization": f"Bearer {TOKEN}"})
print(f"{rows} {rows / csv_seconds:.0f} {csv_growth:.1f} {rows / xlsx_seconds:.0f} {xlsx_growth:.1f}")

"""Attachment throughput and memory (bench/run): as a lead, uploads a 10 MB file (a PDF head,
then filler) and downloads it back, ROUNDS times, each on loopback; then sends 8 uploads of
10 MB at once (one draft each, so that no quota stops them) while sampling the service's
resident memory every 20 ms.
Prints: `upload_mb_per_s download_mb_per_s rss_growth_mb` (medians of the rounds; growth = the
highest RSS seen during the 8 uploads minus the RSS just before them).
Usage: files.py BASE LEAD_TOKEN SERVER_PID"""

import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse
import uuid

BASE, TOKEN, PID = sys.argv[1], sys.argv[2], int(sys.argv[3])
SIZE = 10_000_000
ROUNDS = 5
CONCURRENT = 8
URL = urllib.parse.urlsplit(BASE)
HEAD = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
CONTENT = HEAD + b" " * (SIZE - len(HEAD))


def connection():
    return http.client.HTTPConnection(URL.hostname, URL.port, timeout=120)


def call(method, path, body=None):
    c = connection()
    c.request(method, path, body=json.dumps(body).encode() if body is not None else None,
              headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status >= 300:
        raise SystemExit(f"{method} {path}: {r.status} {data[:200]!r}")
    return json.loads(data or b"null")


def draft(n):
    return call("POST", "/api/v1/projects", {
        "programme": "education", "territory": "department:69",
        "title": f"Mesure des pièces jointes {n} {uuid.uuid4().hex[:6]}",
        "summary": "Un brouillon pour mesurer les envois.", "theme": "pedagogy"})["id"]


def upload(project):
    boundary = uuid.uuid4().hex
    before = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
              f"filename=\"mesure.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
    after = f"\r\n--{boundary}--\r\n".encode()
    c = connection()
    c.putrequest("POST", f"/api/v1/projects/{project}/attachments")
    c.putheader("Authorization", f"Bearer {TOKEN}")
    c.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    c.putheader("Content-Length", str(len(before) + SIZE + len(after)))
    c.endheaders()
    c.send(before)
    view = memoryview(CONTENT)
    for start in range(0, SIZE, 256 * 1024):
        c.send(view[start:start + 256 * 1024])
    c.send(after)
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status != 201:
        raise SystemExit(f"upload: {r.status} {data[:200]!r}")
    return json.loads(data)["id"]


def download(project, file):
    c = connection()
    c.request("GET", f"/api/v1/projects/{project}/attachments/{file}",
              headers={"Authorization": f"Bearer {TOKEN}"})
    r = c.getresponse()
    got = 0
    while chunk := r.read(1 << 20):
        got += len(chunk)
    c.close()
    if r.status != 200 or got != SIZE:
        raise SystemExit(f"download: {r.status}, {got} bytes")


def rss_kb():
    with open(f"/proc/{PID}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


project = draft(0)
ups, downs = [], []
for _ in range(ROUNDS):
    t0 = time.perf_counter()
    file = upload(project)
    t1 = time.perf_counter()
    download(project, file)
    t2 = time.perf_counter()
    ups.append(SIZE / 1e6 / (t1 - t0))
    downs.append(SIZE / 1e6 / (t2 - t1))
    c = connection()
    c.request("DELETE", f"/api/v1/projects/{project}/attachments/{file}",
              headers={"Authorization": f"Bearer {TOKEN}"})
    c.getresponse().read()
    c.close()

projects = [draft(n + 1) for n in range(CONCURRENT)]
baseline = rss_kb()
peak = baseline
done = threading.Event()


def sample():
    global peak
    while not done.is_set():
        peak = max(peak, rss_kb())
        time.sleep(0.02)


sampler = threading.Thread(target=sample)
sampler.start()
workers = [threading.Thread(target=upload, args=(p,)) for p in projects]
for w in workers:
    w.start()
for w in workers:
    w.join()
done.set()
sampler.join()
print(f"{statistics.median(ups):.0f} {statistics.median(downs):.0f} {(peak - baseline) / 1024:.1f}")

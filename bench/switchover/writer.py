#!/usr/bin/env python3
"""Probe writer for the switchover benchmarks: RATE attempts per second, each on a NEW connection (as our clients,
which resolve the service name per connection), libpq multi-host with target_session_attrs=read-write, one
`INSERT INTO probe ... RETURNING id` in autocommit. Attempts run on a thread pool so a slow one does not hold
back the rate. One JSON line per attempt in LEDGER:
  {"seq", "sent": epoch s, "ack": epoch s | null, "id": int | null, "host": server | null, "error": str | null}
Stops on SIGTERM/SIGINT, waits for attempts in flight (each is bounded by connect_timeout and statement_timeout).
Usage: writer.py HOSTS PORT RATE LEDGER   (HOSTS comma-separated, e.g. 127.0.5.1,127.0.6.1)"""
import json
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg2

hosts, port, rate, ledger_path = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
n_hosts = len(hosts.split(","))
dsn = (f"host={hosts} port={','.join([port] * n_hosts)} user=postgres dbname=postgres "
       "target_session_attrs=read-write connect_timeout=1 application_name=probe-writer "
       "options='-c statement_timeout=5000'")

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
lock = threading.Lock()
ledger = open(ledger_path, "w", buffering=1)


def attempt(seq: int) -> None:
    entry = {"seq": seq, "sent": time.time(), "ack": None, "id": None, "host": None, "error": None}
    conn = None
    try:
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("INSERT INTO probe (seq, sent_at) VALUES (%s, to_timestamp(%s)) RETURNING id",
                        (seq, entry["sent"]))
            entry["id"] = cur.fetchone()[0]
        entry["ack"] = time.time()
        entry["host"] = conn.info.host
    except Exception as e:  # every failure is data: connection refused, read-only, timeout...
        entry["error"] = " ".join(str(e).split())[:200]
    finally:
        if conn is not None:
            try:
                conn.close()
            except Exception:
                pass
    with lock:
        ledger.write(json.dumps(entry) + "\n")


with ThreadPoolExecutor(max_workers=200) as pool:
    start = time.monotonic()
    seq = 0
    while not stop.is_set():
        seq += 1
        pool.submit(attempt, seq)
        delay = start + seq / rate - time.monotonic()
        if delay > 0:
            stop.wait(delay)
ledger.close()

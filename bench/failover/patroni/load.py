#!/usr/bin/env python3
"""Writes at a fixed rate to whichever of the hosts takes writes (libpq target_session_attrs=read-write,
a new connection per write, as a client that finds the primary anew each time), and records every attempt
as one JSON line: acknowledged writes with their id and ack time. Stops on SIGTERM.
Usage: load.py HOSTS PORT RATE LEDGER"""
import json, signal, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
import psycopg2

hosts, port, rate, ledger_path = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
dsn = f"host={hosts} port={','.join([str(port)] * len(hosts.split(',')))} user=postgres dbname=postgres connect_timeout=2 target_session_attrs=read-write"
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
lock = threading.Lock()
ledger = open(ledger_path, "w")

def now():
    return datetime.now(timezone.utc).isoformat()

def attempt(seq):
    entry = {"seq": seq, "sentAt": now()}
    try:
        with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
            cur.execute("INSERT INTO evaluations (client_id) VALUES (%s) RETURNING id", (f"patroni/{seq}",))
            entry["id"] = cur.fetchone()[0]
            entry["server"] = conn.info.host
        entry["ok"] = True
        entry["ackAt"] = now()
    except Exception as e:
        entry["ok"] = False
        entry["error"] = str(e).strip()[:200]
    with lock:
        ledger.write(json.dumps(entry) + "\n")
        ledger.flush()

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

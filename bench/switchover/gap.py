#!/usr/bin/env python3
"""Write gaps and lost writes of planned switchovers, from the writer's ledger (writer.py) and the switchover log.
Per switchover, its window is [command start, new leader confirmed]; its write gap is the longest interval
between two consecutive acknowledged writes (by ack time) that overlaps the window; failed = attempts sent
inside that interval that failed. Lost = acknowledged ids missing from the final leader (PRESENT: one id a line).
Usage: gap.py LABEL LEDGER SWITCHOVERS PRESENT [RESULT.json]
SWITCHOVERS: one JSON object a line: {"n", "from", "to", "start", "confirmed", "ctl_done", "ctl_rc", "rejoined"}
(epoch seconds; confirmed/rejoined null when it never happened)."""
import json
import statistics
import sys

label, ledger_path, events_path, present_path = sys.argv[1:5]
result_path = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else None

entries = [json.loads(l) for l in open(ledger_path) if l.strip()]
events = [json.loads(l) for l in open(events_path) if l.strip()]
present = {int(x) for x in open(present_path).read().split()}

acked = sorted((e for e in entries if e["ack"] is not None), key=lambda e: e["ack"])
failed = [e for e in entries if e["ack"] is None]
lost = sorted(e["id"] for e in acked if e["id"] not in present)

rows = []
for ev in events:
    s = ev["start"]
    e = ev["confirmed"] if ev.get("confirmed") is not None else ev.get("ctl_done") or s
    best = None
    for a, b in zip(acked, acked[1:]):
        if a["ack"] <= e and b["ack"] >= s and (best is None or b["ack"] - a["ack"] > best[1]["ack"] - best[0]["ack"]):
            best = (a, b)
    row = {"n": ev["n"], "from": ev["from"], "to": ev["to"],
           "confirmed_after_s": None if ev.get("confirmed") is None else round(ev["confirmed"] - s, 3),
           "ctl_returned_after_s": None if ev.get("ctl_done") is None else round(ev["ctl_done"] - s, 3),
           "ctl_rc": ev.get("ctl_rc"),
           "rejoined_after_s": None if ev.get("rejoined") is None else round(ev["rejoined"] - s, 3)}
    if best:
        a, b = best
        row.update(gap_s=round(b["ack"] - a["ack"], 3),
                   gap_opened_after_s=round(a["ack"] - s, 3), gap_closed_after_s=round(b["ack"] - s, 3),
                   failed_in_gap=sum(1 for f in failed if a["ack"] <= f["sent"] <= b["ack"]),
                   last_ack_host=a["host"], first_ack_host=b["host"])
    else:
        row.update(gap_s=None, failed_in_gap=None)
    rows.append(row)

fmt = lambda v: "-" if v is None else f"{v:.2f}"
print(f"{'n':>2} {'from->to':<14} {'gap_s':>6} {'opened':>7} {'closed':>7} {'failed':>6} {'confirmed':>9} {'ctl_ret':>7} {'rejoined':>8}")
for r in rows:
    print(f"{r['n']:>2} {r['from'] + '->' + r['to']:<14} {fmt(r['gap_s']):>6} {fmt(r.get('gap_opened_after_s')):>7} "
          f"{fmt(r.get('gap_closed_after_s')):>7} {('-' if r['failed_in_gap'] is None else r['failed_in_gap']):>6} "
          f"{fmt(r['confirmed_after_s']):>9} {fmt(r['ctl_returned_after_s']):>7} {fmt(r['rejoined_after_s']):>8}")
print("(opened/closed/confirmed/ctl_ret/rejoined: seconds after the switchover command started)")

gaps = [r["gap_s"] for r in rows if r["gap_s"] is not None]
median_gap = statistics.median(gaps) if gaps else None
max_gap = max(gaps) if gaps else None
summary = (f"{label} switchover: median gap {fmt(median_gap)} s, max {fmt(max_gap)} s, "
           f"lost {len(lost)} of {len(acked)} acknowledged")
print(f"attempts {len(entries)}, acknowledged {len(acked)}, failed {len(failed)}; lost ids: {lost[:20]}")
print(summary)
if result_path:
    with open(result_path, "w") as f:
        json.dump({"system": label, "switchovers": rows, "median_gap_s": median_gap, "max_gap_s": max_gap,
                   "attempts": len(entries), "acknowledged": len(acked), "failed": len(failed),
                   "lost": len(lost), "lost_ids": lost, "summary": summary}, f, indent=2)
        f.write("\n")
# non-zero when a switchover never completed, so a broken run is not mistaken for a result
sys.exit(0 if len(gaps) == len(rows) and all(r["confirmed_after_s"] is not None for r in rows) else 1)

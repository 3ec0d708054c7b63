#!/usr/bin/env python3
"""The monitoring files in deploy/: the alert rules load (`promtool check rules`) and fire
as tests/deploy/alerts_test.yml expects (`promtool test rules`); every expression of the
Grafana dashboard parses as PromQL; every ferry_* metric either names is one the code
exports. Exits 77 (skipped) without promtool (Debian package prometheus).
"""
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if not shutil.which("promtool"):
    print("SKIP: promtool is not installed (apt-get install prometheus)")
    sys.exit(77)

failures = []
rules = ROOT / "deploy" / "prometheus" / "ferry-alerts.yml"
for cmd in (["promtool", "check", "rules", str(rules)],
            ["promtool", "test", "rules", str(ROOT / "tests" / "deploy" / "alerts_test.yml")]):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        failures.append(f"{' '.join(cmd[:3])}: {r.stdout}{r.stderr}")

dashboard = json.loads((ROOT / "deploy" / "grafana" / "ferry-dashboard.json").read_text())
exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
    json.dump({"groups": [{"name": "dashboard", "rules": [
        {"record": f"ferry:dashboard:{i}", "expr": e.replace("$consumer_job", "ferry-consumer")} for i, e in enumerate(exprs)]}]}, f)
    f.flush()
    r = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
    if r.returncode != 0:
        failures.append(f"dashboard expressions: {r.stdout}{r.stderr}")

sources = "".join(p.read_text() for d in ("agent", "broker", "consumer", "common")
                  for p in (ROOT / d).rglob("*.cc"))
used = set(re.findall(r"\bferry_[a-z_]+\b", rules.read_text() + "\n".join(exprs)))
for name in sorted(used):
    base = re.sub(r"_(total|bucket|sum|count)$", "", name)
    if f'"{name}"' not in sources and f'"{base}"' not in sources:
        failures.append(f"{name} is not a metric the code exports")

print(f"{len(exprs)} dashboard expressions, {len(used)} metric names checked")
for f in failures:
    print("FAIL:", f, file=sys.stderr)
sys.exit(1 if failures else 0)

#!/usr/bin/env python3
"""--check-config on every sample config (must exit 0 and print every key) and on each
broken config in tests/deploy/broken/ (must exit 2; stderr must hold the file name
followed by the text after "# expect:" on the file's first line: ":LINE: KEY: reason").
Also --help and --version of each daemon. Usage: check_configs.py BIN_DIR
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
failures = []


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


for role in ["agent", "broker", "consumer"]:
    exe = f"{sys.argv[1]}/ferry-{role}"
    sample = ROOT / "deploy" / f"{role}.toml"
    r = run(exe, "--check-config", "--config", str(sample))
    if r.returncode != 0 or "is valid" not in r.stdout or "# default" not in r.stdout:
        failures.append(f"{sample}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    for flag, expect in [("--help", "--check-config"), ("--version", f"ferry-{role} ")]:
        r = run(exe, flag)
        if r.returncode != 0 or expect not in r.stdout:
            failures.append(f"ferry-{role} {flag}: exit {r.returncode}: {r.stdout}")

broken = sorted((ROOT / "tests" / "deploy" / "broken").glob("*.toml"))
for path in broken:
    role = path.name.split("-")[0]
    expect = path.read_text().splitlines()[0].removeprefix("# expect: ")
    r = run(f"{sys.argv[1]}/ferry-{role}", "--check-config", "--config", str(path))
    if r.returncode != 2 or f"{path}{expect}" not in r.stderr:
        failures.append(f"{path.name}: exit {r.returncode}, wanted 2 and '{path.name}{expect}' in: {r.stderr}")

print(f"3 samples, {len(broken)} broken configs checked")
for f in failures:
    print("FAIL:", f, file=sys.stderr)
sys.exit(1 if failures else 0)

#!/usr/bin/env python3
"""The config reference, held to the code.

Each daemon lists every key its loader asks for (`ferry-<role> --config-keys`, run on the
sample config deploy/<role>.toml). This script checks that every such key is documented in
docs/configuration.md (a table row starting with the key in backquotes) and listed in the
sample config (set, or commented out with its default, in the right section), and that a
commented-out key shows the default the code has.

  config_reference.py BIN_DIR           check; exit 1 naming every missing key
  config_reference.py BIN_DIR --write   rewrite the key tables in docs/configuration.md
                                        from --config-keys and the samples' comments
"""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROLES = ["agent", "broker", "consumer"]
DOCS = ROOT / "docs" / "configuration.md"


def code_keys(bin_dir, role):
    """[(key, type, default, live, required)] from the daemon itself."""
    out = subprocess.run([f"{bin_dir}/ferry-{role}", "--config-keys", "--config", str(ROOT / "deploy" / f"{role}.toml")],
                         check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


def sample_keys(role, commented_values=None):
    """{key: comment} for every key the sample sets or shows commented out; fills
    `commented_values` with {key: value} of the commented-out ones (their defaults)."""
    keys, section, comment = {}, "", []
    for raw in (ROOT / "deploy" / f"{role}.toml").read_text().splitlines():
        line = raw.strip()
        header = re.fullmatch(r"\[\[?([A-Za-z0-9_.]+)\]?\]", line)
        setting = re.fullmatch(r"(# )?([A-Za-z0-9_]+) = (.*)", line)
        if header:
            section, comment = header.group(1), []
        elif setting:
            key = f"{section}.{setting.group(2)}" if section else setting.group(2)
            keys[key] = " ".join(comment)
            if setting.group(1) and commented_values is not None:
                commented_values[key] = setting.group(3)
            comment = []
        elif line.startswith("#"):
            comment.append(line.lstrip("# ").strip())
        else:
            comment = []
    return keys


def documented_keys(role):
    text = DOCS.read_text()
    match = re.search(rf"<!-- keys:{role} -->(.*?)<!-- /keys:{role} -->", text, re.S)
    if not match:
        return set()
    return set(re.findall(r"^\| `([^`]+)` \|", match.group(1), re.M))


def table(bin_dir, role):
    comments = sample_keys(role)
    rows = ["| Key | Type | Default | SIGHUP | Meaning |", "|---|---|---|---|---|"]
    for key, type_, default, live, required in code_keys(bin_dir, role):
        default = "required" if required == "required" else f"`{default}`"
        meaning = comments.get(key, "").replace("|", "\\|")
        rows.append(f"| `{key}` | {type_} | {default} | {'live' if live == 'live' else 'restart'} | {meaning} |")
    return "\n".join(rows)


def write(bin_dir):
    text = DOCS.read_text()
    for role in ROLES:
        block = f"<!-- keys:{role} -->\n{table(bin_dir, role)}\n<!-- /keys:{role} -->"
        text = re.sub(rf"<!-- keys:{role} -->.*?<!-- /keys:{role} -->", lambda _: block, text, flags=re.S)
    DOCS.write_text(text)


def check(bin_dir):
    problems = []
    for role in ROLES:
        table = code_keys(bin_dir, role)
        known = [k[0] for k in table]
        shown = {}
        in_sample = sample_keys(role, shown)
        defaults = {k[0]: k[2] for k in table}
        problems += [f"{role}: deploy/{role}.toml shows {k} = {v}, but its default is {defaults[k]}"
                     for k, v in shown.items() if k in defaults and defaults[k] != v]
        in_docs = documented_keys(role)
        problems += [f"{role}: {k} is not in docs/configuration.md" for k in known if k not in in_docs]
        problems += [f"{role}: {k} is not in deploy/{role}.toml" for k in known if k not in in_sample]
        problems += [f"{role}: {k} has no comment in deploy/{role}.toml" for k in known if in_sample.get(k) == ""]
        problems += [f"{role}: docs/configuration.md lists {k}, which ferry-{role} does not know"
                     for k in sorted(in_docs - set(known))]
        problems += [f"{role}: deploy/{role}.toml lists {k}, which ferry-{role} does not know"
                     for k in in_sample if k not in known]
        print(f"{role}: {len(known)} keys")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[2] == "--write":
        write(sys.argv[1])
        sys.exit(0)
    sys.exit(check(sys.argv[1]))

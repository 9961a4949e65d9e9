#!/usr/bin/env python3
"""Renders a results table of docs/results/ from its data files and puts it into its document,
between the markers <!-- reproduce:NAME --> and <!-- /reproduce:NAME -->, with a line that stamps
the date, commit, machine and command. Standard library only.

    python3 scripts/reproduce_tables.py NAME DOCUMENT COMMANDS_FILE
"""
import csv, datetime, os, platform, re, subprocess, sys


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def label(row):
    method = {"besa-row": "BESA row", "besa-layer": "BESA layer", "wanda": "Wanda",
              "sparsegpt": "SparseGPT", "magnitude": "magnitude"}.get(row["method"], row["method"])
    pattern = row["pattern"]
    amount = f"{round(float(row['target_sparsity']) * 100)}%" if pattern == "unstructured" else pattern
    return f"{method} {amount}"


def whole_model(path, cycle_model):
    """(label, perplexity, whole-model speedup) of each trace's all-blocks row of one cycle model."""
    return [(label(r), r["perplexity"], float(r["whole_model"]))
            for r in rows(path) if r["cycle_model"] == cycle_model and r["block"] == "all"]


def accelerator_table4(results):
    prefill, decode = f"{results}/table4.csv", f"{results}/table4-decode.csv"
    prefill_fixed, decode_fixed = f"{results}/table4-fixed.csv", f"{results}/table4-decode-fixed.csv"
    columns = [whole_model(prefill, "compute"), whole_model(decode, "full"), whole_model(decode_fixed, "full"),
               whole_model(prefill, "full"), whole_model(prefill_fixed, "full")]
    lines = ["| method | perplexity | compute model (Table 4) | decode M = 1, mapper | fixed | prefill M = 2048, mapper | fixed |",
             "|---|---|---|---|---|---|---|"]
    for index, (name, perplexity, _) in enumerate(columns[0]):
        cells = [f"{column[index][2]:.3f}×" for column in columns]
        assert all(column[index][0] == name for column in columns), "the CSVs list the traces in different orders"
        shown = f"{float(perplexity):.2f}" if perplexity else "–"
        lines.append(f"| {name} | {shown} | " + " | ".join(cells) + " |")
    return lines


TABLES = {"accelerator-table4": accelerator_table4}


def stamp(commands):
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "Sources"], capture_output=True, text=True).stdout.strip()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.machine())
    return (f"Reproduced {datetime.date.today().isoformat()} at commit {commit}{' (with uncommitted source changes)' if dirty else ''}, "
            f"{os.cpu_count()} cores ({cpu}), by `bash scripts/reproduce.sh {NAME}`, which runs:"), commands


if __name__ == "__main__":
    NAME, document, commands_file = sys.argv[1:4]
    table = TABLES[NAME](os.path.dirname(document))
    line, commands = stamp(open(commands_file).read().strip())
    block = [f"<!-- reproduce:{NAME} -->", line, "", "```sh", commands, "```", ""] + table + [f"<!-- /reproduce:{NAME} -->"]
    text = open(document).read()
    pattern = re.compile(rf"<!-- reproduce:{re.escape(NAME)} -->.*?<!-- /reproduce:{re.escape(NAME)} -->", re.S)
    if not pattern.search(text):
        sys.exit(f"{document}: no <!-- reproduce:{NAME} --> markers")
    temporary = document + ".tmp"
    with open(temporary, "w") as f:
        f.write(pattern.sub(lambda _: "\n".join(block), text))
    os.replace(temporary, document)
    print(f"{document}: table {NAME} rewritten")

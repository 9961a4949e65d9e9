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


def smollm2_pruning(results):
    """Perplexity per method (rows) and pattern (columns) from the compute-model table of the runs' traces."""
    perplexity = {(r["method"], r["pattern"]): float(r["perplexity"]) for r in rows(f"{results}/smollm2-pruning.csv")}
    methods = [("magnitude", "magnitude"), ("wanda", "Wanda"), ("sparsegpt", "SparseGPT"),
               ("besa-layer", "BESA, layer-wise (the paper's: masks only)"), ("besa-row", "BESA, row-wise (the paper's: masks only)"),
               ("besa-layer+lstsq", "BESA, layer-wise + least-squares weights"),
               ("besa-row+lstsq", "**BESA, row-wise + least-squares weights (`prune --method besa`'s default)**")]
    patterns = ["unstructured", "2:4", "4:8"]
    best = min(perplexity.values())
    lines = ["| method | 50% unstructured | 2:4 | 4:8 |", "|---|---|---|---|"]
    for method, name in methods:
        cells = []
        for pattern in patterns:
            value = perplexity.get((method, pattern))
            cells.append("" if value is None else (f"**{value:.2f}**" if value == best else f"{value:.2f}"))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


PROJECTIONS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def speedups(path):
    """Mean speedup over the blocks per projection, then the whole model's Σ dense / Σ sparse cycles."""
    layers = rows(path)
    means = [sum(float(r["speedup"]) for r in layers if r["projection"] == p) / sum(r["projection"] == p for r in layers)
             for p in PROJECTIONS]
    return means + [sum(float(r["dense_cycles"]) for r in layers) / sum(float(r["sparse_cycles"]) for r in layers)]


SHIPPED = [("besa-row-50", "BESA row 50%"), ("wanda-50", "Wanda 50%"), ("sparsegpt-50", "SparseGPT 50%"),
           ("wanda-2of4", "Wanda 2:4"), ("sparsegpt-2of4", "SparseGPT 2:4")]


def accelerator_engines(results):
    lines = ["| masks | weights on the dense engine | of which zeros | kept weights on the sparse engine |", "|---|---|---|---|"]
    for trace, name in SHIPPED:
        layers = rows(f"{results}/engines-{trace}.csv")
        total = sum(int(r["rows"]) * int(r["cols"]) for r in layers)
        on_dense = sum(int(r["rows"]) * int(r["dense_columns"]) for r in layers)
        dense_kept = sum(int(r["dense_kept"]) for r in layers)
        sparse_kept = sum(int(r["sparse_kept"]) for r in layers)
        lines.append(f"| {name} | {100 * on_dense / total:.1f}% | {100 * (1 - dense_kept / on_dense):.1f}% | "
                     f"{100 * sparse_kept / (dense_kept + sparse_kept):.1f}% |")
    return lines


LLAMA7B_MASKS = [("uniform", "uniform"), ("row-varying", "row-varying ±20%"), ("column-varying", "column-varying ±40%")]


def speedup_row(cells, values):
    return "| " + " | ".join(cells + [f"{v:.3f}" for v in values]) + " |"


def accelerator_llama7b_compute(results):
    lines = ["| masks | model | q | k | v | o | gate | up | down | whole model |", "|---|---|---|---|---|---|---|---|---|---|"]
    for mask, name in LLAMA7B_MASKS:
        lines.append(speedup_row([name, "fixed"], speedups(f"{results}/llama7b-compute-{mask}.csv")))
        lines.append(speedup_row([name, "`--reference-quirks`"], speedups(f"{results}/llama7b-compute-{mask}-quirks.csv")))
    lines.append("| BESA paper, Table 4 (real BESA masks) | | | | | | 1.94–1.98 | | | range 1.48–1.98 |")
    return lines


def accelerator_llama7b_full(results):
    lines = ["| masks | tokens M | q | k | v | o | gate | up | down | whole model |", "|---|---|---|---|---|---|---|---|---|---|"]
    for mask, name in LLAMA7B_MASKS + [("2of4", "2:4")]:
        for tokens in ["1", "2048"]:
            when = {"1": "1 (decode)", "2048": "2048 (prefill)"}[tokens] if mask == "uniform" else tokens
            lines.append(speedup_row([f"{name}, mapper", when], speedups(f"{results}/llama7b-full-{mask}-{tokens}.csv")))
            lines.append(speedup_row([f"{name}, fixed", tokens], speedups(f"{results}/llama7b-full-{mask}-{tokens}-fixed.csv")))
    lines.append(speedup_row(["2:4, N:M datapath, mapper", "2048"], speedups(f"{results}/llama7b-full-2of4-2048-nm-x1.csv")))
    for x in ["2", "4"]:
        lines.append(speedup_row([f"2:4, N:M datapath, buffers ×{x}", "2048"], speedups(f"{results}/llama7b-full-2of4-2048-nm-x{x}.csv")))
    for x in ["2", "4"]:
        lines.append(speedup_row([f"uniform, mapper, buffers ×{x}", "2048"], speedups(f"{results}/llama7b-full-uniform-2048-x{x}.csv")))
    return lines


def accelerator_buffers(results):
    lines = ["| buffers (weight/input/index/output KiB) | default trace, prefill, mapper | fixed mapping | LLaMA-7B uniform 50%, mapper |",
             "|---|---|---|---|"]
    for x, name in [("1", "53 / 53 / 20 / 108 (ViTCoD's)"), ("2", "×2"), ("4", "×4")]:
        cells = [speedups(f"{results}/{file}.csv")[-1] for file in [f"buffers-x{x}", f"buffers-x{x}-fixed", f"buffers-llama7b-x{x}"]]
        lines.append(f"| {name} | " + " | ".join(f"{v:.3f}×" for v in cells) + " |")
    return lines


def sparsim_perplexity(path):
    """The perplexity `sparsim eval` printed."""
    return float(re.search(r"perplexity\s+([0-9.]+)", open(path).read()).group(1))


def transformers_perplexities(path):
    """reference_transformers.py ppl: its float64 cross-entropy's perplexity and transformers' own fp32 loss's."""
    match = re.search(r"ppl ([0-9.]+) \(transformers' fp32 loss: ([0-9.]+)\)", open(path).read())
    return float(match.group(1)), float(match.group(2))


def relative(a, b):
    return f"{abs(a - b) / b:.1e}"


def smollm2_dense(results):
    lines = ["| seqlen | windows | sparsim | transformers (fp32, same GGUF, same windows; cross-entropy of its logits in float64) | relative difference |",
             "|---|---|---|---|---|"]
    for seqlen, windows in [(512, 16), (2048, 8)]:
        ours = sparsim_perplexity(f"{results}/smollm2-dense-{seqlen}.txt")
        theirs, _ = transformers_perplexities(f"{results}/smollm2-dense-{seqlen}-transformers.txt")
        lines.append(f"| {seqlen} | first {windows} | {ours:.4f} | {theirs:.6f} | {relative(ours, theirs)} (sparsim prints 4 decimals) |")
    return lines


def qwen_dense(results):
    lines = ["| model | sparsim | transformers' logits, cross-entropy in float64 | relative difference | transformers' own `loss` (fp32) |",
             "|---|---|---|---|---|"]
    for name, label in [("qwen", "Qwen2.5-Coder-0.5B"), ("smollm2", "SmolLM2-135M")]:
        ours = sparsim_perplexity(f"{results}/{name}-dense-512.txt")
        theirs, builtin = transformers_perplexities(f"{results}/{name}-dense-512-transformers.txt")
        lines.append(f"| {label} | {ours:.4f} | {theirs:.6f} | {relative(ours, theirs)} | {builtin:.6f} ({relative(builtin, theirs)} low) |")
    return lines


TABLES = {"smollm2-dense": smollm2_dense, "qwen-dense": qwen_dense,
          "accelerator-table4": accelerator_table4, "accelerator-engines": accelerator_engines,
          "accelerator-llama7b-compute": accelerator_llama7b_compute, "accelerator-llama7b-full": accelerator_llama7b_full,
          "accelerator-buffers": accelerator_buffers, "smollm2-pruning": smollm2_pruning}


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

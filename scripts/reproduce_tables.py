#!/usr/bin/env python3
"""Renders a results table of docs/results/ from its data files and puts it into its document,
between the markers <!-- reproduce:NAME --> and <!-- /reproduce:NAME -->, with a line that stamps
the date, commit, machine and command. Standard library only.

    python3 scripts/reproduce_tables.py NAME DOCUMENT COMMANDS_FILE
"""
import csv, datetime, json, os, platform, re, subprocess, sys


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


def perplexities(path):
    """{(method, pattern): perplexity} of a `sparsim table` CSV's traces."""
    return {(r["method"], r["pattern"]): float(r["perplexity"]) for r in rows(path)}


def smollm2_pruning(results):
    """Perplexity per method (rows) and pattern (columns) from the compute-model table of the runs' traces."""
    perplexity = perplexities(f"{results}/smollm2-pruning.csv")
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


# Prune studies: a `sparsim table` CSV gives each trace's perplexity and speedups, its JSON sidecar
# the metrics the run recorded (seconds, peak memory, zero-shot scores), both keyed here by
# (method, pattern), which is unique within one study.

def recorded(stem):
    """{(method, pattern): {perplexity, speedups by (cycle model, tokens), metrics}} of one table's runs."""
    runs = {}
    for r in rows(f"{stem}.csv"):
        if r["block"] != "all":
            continue
        run = runs.setdefault((r["method"], r["pattern"]), {"perplexity": float(r["perplexity"]), "speedup": {}, "metrics": {}})
        run["speedup"][(r["cycle_model"], r["tokens"])] = float(r["whole_model"])
    for trace in json.load(open(f"{stem}.json"))["traces"]:
        runs[(trace["method"], trace["pattern"])]["metrics"] = trace.get("metrics", {})
    return runs


def compared(path):
    """The rows of `sparsim compare`'s quality table, by label: perplexity, sparsity per projection, row spread."""
    lines = open(path).read().split("\n")
    start = lines.index("Quality and sparsity") + 1
    header = re.split(r"\s{2,}", lines[start].strip())
    table = {}
    for line in lines[start + 1:]:
        if not line.strip():
            break
        cells = dict(zip(header, re.split(r"\s{2,}", line.strip())))
        table[cells["method"]] = cells
    return table


def bold_least(values, value, text):
    return f"**{text}**" if value == min(values) else text


def seconds(value):
    return f"{value:.0f} s" if value >= 100 else f"{value:.1f} s"


def smollm2_calibration(results):
    runs = recorded(f"{results}/smollm2-calibration")
    short = perplexities(f"{results}/smollm2-pruning.csv")
    wanda = runs[("wanda", "unstructured")]["metrics"]["seconds"]
    lines = ["| method | perplexity at 128 × 2048 | at 32 × 512 (smollm2-pruning) | change | pruning time | peak memory (bound printed by the run) |",
             "|---|---|---|---|---|---|"]
    for method, name in [("wanda", "Wanda"), ("sparsegpt", "SparseGPT"), ("besa-row", "BESA row (masks only)"), ("besa-layer", "BESA layer (masks only)")]:
        run = runs[(method, "unstructured")]
        metrics, before = run["metrics"], short[(method, "unstructured")]
        time = seconds(metrics["seconds"]) + ("" if method == "wanda" else f" ({metrics['seconds'] / wanda:.2f}× Wanda)")
        lines.append(f"| {name} | {run['perplexity']:.2f} | {before:.2f} | {100 * (run['perplexity'] / before - 1):+.1f}% | {time} | "
                     f"{metrics['peak_memory_mib']:.0f} MiB ({metrics['peak_memory_bound_mib']:.0f}) |")
    return lines


def standard_error(p, n):
    return (p * (1 - p) / n) ** 0.5


def smollm2_zeroshot(results):
    dense = {kind: json.load(open(f"{results}/zeroshot-dense-{kind}.json"))["metrics"] for kind in ["cloze", "endings"]}
    runs = recorded(f"{results}/zeroshot")
    models = [("dense", "dense")] + [(m, n) for m, n in [
        ("magnitude", "magnitude"), ("wanda", "Wanda"), ("sparsegpt", "SparseGPT"),
        ("besa-layer+lstsq", "BESA layer + least squares"), ("besa-row+lstsq", "BESA row + least squares (the default)"),
        ("besa-row", "BESA row, masks only (the paper's)")]]
    columns = [("perplexity", "perplexity (16 × 512)", "{:.2f}", min), ("cloze_acc", "cloze acc", "{:.3f}", max),
               ("cloze_perplexity", "cloze answer perplexity", "{:.1f}", min), ("endings_acc", "endings acc", "{:.3f}", max),
               ("endings_acc_norm", "endings acc_norm", "{:.3f}", max)]
    values = {"dense": {"perplexity": sparsim_perplexity(f"{results}/zeroshot-dense.txt"), "cloze_acc": dense["cloze"]["acc"],
                        "cloze_perplexity": dense["cloze"]["perplexity"], "endings_acc": dense["endings"]["acc"],
                        "endings_acc_norm": dense["endings"]["acc_norm"]}}
    for method, _ in models[1:]:
        run = runs[(method, "unstructured")]
        values[method] = {"perplexity": run["perplexity"], **{key: run["metrics"][f"task_{key}"] for key, *_ in columns[1:]}}
    lines = ["| model | " + " | ".join(title for _, title, _, _ in columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for method, name in models:
        cells = []
        for key, _, form, best in columns:
            text = form.format(values[method][key])
            pruned = [form.format(values[m][key]) for m, _ in models[1:]]
            chosen = best(pruned, key=float)
            cells.append(f"**{text}**" if method != "dense" and text == chosen else text)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    items = {kind: int(runs[("wanda", "unstructured")]["metrics"][f"task_{kind}_items"]) for kind in ["cloze", "endings"]}
    lines += ["", f"Bold: the best pruned model. Standard errors of the dense model's accuracies: "
                  f"±{standard_error(dense['cloze']['acc'], items['cloze']):.3f} on the cloze task ({items['cloze']} items), "
                  f"±{standard_error(dense['endings']['acc_norm'], items['endings']):.3f} on the endings ({items['endings']} items)."]
    return lines


def block_errors(path):
    """block_error.py's table: {label: [error of each block]}."""
    lines = [line.split() for line in open(path) if line.strip()]
    labels = lines[0][1:]
    blocks = [line for line in lines[1:] if line[0] != "mean"]
    return {label: [float(block[1 + i]) for block in blocks] for i, label in enumerate(labels)}


def besa_masks(results):
    errors = block_errors(f"{results}/besa-block-error.txt")
    sparsity = compared(f"{results}/besa-allocation.txt")
    lines = ["| masks (and weights) | mean block error | blocks with a lower error than BESA row's | "
             + " | ".join(PROJECTIONS) + " | rows min–max | rows std |", "|---" * 12 + "|"]
    for label, traced, name in [("wanda", "wanda 50%", "Wanda"), ("besa-layer", "besa-layer 50%", "BESA layer"),
                                ("besa-row", "besa-row 50%", "BESA row"),
                                ("sparsegpt-mask", "sparsegpt 50%", "SparseGPT's mask, original weights"),
                                ("sparsegpt", "sparsegpt 50%", "SparseGPT, updated weights")]:
        blocks = errors[label]
        lower = "" if label == "besa-row" else f"{sum(a < b for a, b in zip(blocks, errors['besa-row']))} of {len(blocks)}"
        row = sparsity[traced]
        lines.append(f"| {name} | {sum(blocks) / len(blocks):.4f} | {lower} | " + " | ".join(row[p] for p in PROJECTIONS)
                     + f" | {row['row sparsity min–max']} | {row['row std']} |")
    return lines


UPDATES = [("wanda", "Wanda", "original"), ("besa-row", "BESA row", "original (the paper's BESA)"),
           ("sparsegpt", "SparseGPT", "SparseGPT's sweep (the paper's SparseGPT)"),
           ("wanda+reprune", "SparseGPT, 50% in every row (`--method wanda --update-weights reprune`)", "SparseGPT's sweep"),
           ("besa-row+sparsegpt", "BESA row", "SparseGPT's sweep, BESA's mask fixed (`sparsegpt`)"),
           ("besa-row+reprune", "SparseGPT at BESA row's per-row counts (`reprune`)", "SparseGPT's sweep"),
           ("sparsegpt+lstsq", "SparseGPT", "least squares"), ("wanda+lstsq", "Wanda", "least squares"),
           ("besa-layer+lstsq", "BESA layer", "least squares"), ("besa-row+lstsq", "BESA row", "least squares (default)")]


def besa_updates(results):
    perplexity = {method: value for file in ["smollm2-pruning", "besa-updates"]
                  for (method, pattern), value in perplexities(f"{results}/{file}.csv").items() if pattern == "unstructured"}
    reference = perplexity["sparsegpt"]
    lines = ["| masks | weights | perplexity | vs SparseGPT |", "|---|---|---|---|"]
    for method, masks, weights in sorted(UPDATES, key=lambda u: -perplexity[u[0]]):
        value = perplexity[method]
        change = "—" if method == "sparsegpt" else f"{100 * (value / reference - 1):+.1f}%".replace("-", "−")
        cells = [masks, weights, f"{value:.2f}", change]
        if value == min(perplexity[u[0]] for u in UPDATES):
            cells = [f"**{cell}**" for cell in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


ABLATIONS = [("default", "default (32 windows, 1 epoch, Wanda importance, 101 candidates, sigmoid-softmax)"),
             ("samples-16", "calibration: 16 windows"), ("samples-64", "calibration: 64 windows"),
             ("samples-128", "calibration: 128 windows (the paper's count; × 512 tokens)"), ("epochs-2", "epochs: 2"),
             ("importance-magnitude", "importance: magnitude \\|W\\|"), ("importance-obs", "importance: OBS, W²/[H⁻¹]_jj"),
             ("softmax", "parameterization: softmax(α), the whole [0, 1]"), ("candidates-21", "candidates: 21 (steps of 5%)")]


def besa_ablations(results):
    quality = {run: next(iter(compared(f"{results}/besa-ablation-{run}.txt").values())) for run, _ in ABLATIONS}
    perplexity = {run: float(row["perplexity"].split()[0]) for run, row in quality.items()}
    lines = ["| setting | perplexity | vs default | row sparsity min–max | row std |", "|---|---|---|---|---|"]
    for run, name in ABLATIONS:
        change = "" if run == "default" else f"{100 * (perplexity[run] / perplexity['default'] - 1):+.1f}%".replace("-", "−")
        text = f"{perplexity[run]:.2f}"
        if perplexity[run] == min(perplexity.values()):
            name, text = f"**{name}**", f"**{text}**"
        lines.append(f"| {name} | {text} | {change} | {quality[run]['row sparsity min–max']} | {quality[run]['row std']} |")
    return lines


def quantization(results):
    runs = recorded(f"{results}/quantization")
    lines = ["| model | perplexity | prune + quantize time | decode speedup, M = 1 (full model, mapper) |", "|---|---|---|---|",
             f"| dense (fp32 from the Q4_1 GGUF) | {sparsim_perplexity(f'{results}/smollm2-dense-512.txt'):.2f} | | 1× |"]
    for method, name in [("rtn-w4", "RTN 4-bit"), ("wanda+w4-rtn", "Wanda 50% + RTN 4-bit"),
                         ("besa-row", "BESA row 50%, 16-bit (the shipped `traces/smollm2-besa-row-50.h5`)"),
                         ("besa-row+w4-rtn", "BESA row 50% + RTN 4-bit (prune, then quantize)"),
                         ("besa-row+w4-joint", "BESA row 50%, 4-bit learned jointly")]:
        run = runs[(method, "unstructured")]
        lines.append(f"| {name} | {run['perplexity']:.2f} | {seconds(run['metrics']['seconds'])} | {run['speedup'][('full', '1')]:.3f}× |")
    return lines


def qwen_pruning(results):
    qwen, decode = recorded(f"{results}/qwen-table4"), recorded(f"{results}/qwen-table4-decode")
    smollm2 = perplexities(f"{results}/smollm2-pruning.csv")
    lines = ["| method | Qwen2.5-Coder-0.5B perplexity | SmolLM2-135M (smollm2-pruning) | pruning time (Qwen) | peak memory (Qwen) "
             "| compute model | prefill M = 2048 | decode M = 1 |", "|---|---|---|---|---|---|---|---|",
             f"| dense | {sparsim_perplexity(f'{results}/qwen-dense-512.txt'):.2f} | "
             f"{sparsim_perplexity(f'{results}/smollm2-dense-512.txt'):.2f} | | | | | |"]
    for pattern, methods in [("unstructured", ["magnitude", "wanda", "sparsegpt", "besa-layer", "besa-row"]),
                             ("2:4", ["magnitude", "wanda", "sparsegpt"])]:
        for method in methods:
            run, key = qwen[(method, pattern)], (method, pattern)
            amount = "50%" if pattern == "unstructured" else pattern
            name = {"besa-layer": "BESA layer", "besa-row": "BESA row", "wanda": "Wanda", "sparsegpt": "SparseGPT"}.get(method, method)
            suffix = " (masks only)" if method.startswith("besa") else ""
            ours = bold_least([qwen[(m, pattern)]["perplexity"] for m in methods], run["perplexity"], f"{run['perplexity']:.2f}")
            theirs = bold_least([smollm2[(m, pattern)] for m in methods], smollm2[key], f"{smollm2[key]:.2f}")
            lines.append(f"| {name} {amount}{suffix} | {ours} | {theirs} | {seconds(run['metrics']['seconds'])} | "
                         f"{run['metrics']['peak_memory_mib'] / 1024:.1f} GiB | {run['speedup'][('compute', '1')]:.3f}× | "
                         f"{run['speedup'][('full', '2048')]:.3f}× | {decode[key]['speedup'][('full', '1')]:.3f}× |")
    return lines


def qwen_quantization(results):
    qwen = recorded(f"{results}/qwen-quantization")
    qwen[("besa-row", "unstructured")] = recorded(f"{results}/qwen-table4-decode")[("besa-row", "unstructured")]
    smollm2 = recorded(f"{results}/quantization")
    lines = ["| model | Qwen2.5-Coder-0.5B perplexity | SmolLM2-135M (quantization) | time (Qwen) | decode M = 1, full model (Qwen) |",
             "|---|---|---|---|---|"]
    for method, name in [("rtn-w4", "RTN 4-bit, no pruning (`--method rtn --wbits 4`)"),
                         ("besa-row", "BESA row 50%, 16-bit (qwen-pruning)"),
                         ("besa-row+w4-joint", "BESA row 50%, 4-bit learned jointly (`--method besa --wbits 4 --quantization joint`)")]:
        run, key = qwen[(method, "unstructured")], (method, "unstructured")
        lines.append(f"| {name} | {run['perplexity']:.2f} | {smollm2[key]['perplexity']:.2f} | {seconds(run['metrics']['seconds'])} | "
                     f"{run['speedup'][('full', '1')]:.3f}× |")
    return lines


# Timings: parsed from the bench commands' own lines.

def numbers(line):
    return [float(n) for n in re.findall(r"[0-9]+(?:\.[0-9]+)?", line)]


TIMING = "A timing on a shared 2-core machine: a rerun gives other numbers; compare ratios measured in one run."


def speed_forward(results):
    text = open(f"{results}/bench-forward.txt").read()
    peak = numbers(re.search(r"sgemm peak.*", text).group(0))[-1]
    lines = ["| seqlen | tokens/s | linears | linears' share of the time | whole forward (multiply-adds per token) | every multiply-add at the peak |",
             "|---|---|---|---|---|---|"]
    for first, second in re.findall(r"^(seqlen .*)\n(.*every FLOP at the peak.*)$", text, re.M):
        seqlen, rate, _, _, linears, linears_share, time_share = numbers(first)
        flop, _, _, whole, whole_share, ceiling = numbers(second)
        lines.append(f"| {seqlen:.0f} | {rate:.0f} | {linears:.0f} GFLOP/s = {linears_share:.0f}% of the sgemm peak | {time_share:.0f}% | "
                     f"{whole:.0f} GFLOP/s = {whole_share:.0f}% of the peak ({flop:.1f} MFLOP) | {ceiling:.0f} tokens/s |")
    return lines + ["", f"sgemm peak in the same run: {peak:.1f} GFLOP/s (2048³, best of 5). {TIMING}"]


def speed_torch(results):
    text = open(f"{results}/bench-vs-torch.txt").read()
    lines = ["| work | sparsim | PyTorch | sparsim's speed ÷ PyTorch's | ceiling |", "|---|---|---|---|---|"]
    for seqlen, windows, ours, theirs, ratio, ceiling in re.findall(
            r"^(\d+)\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)x\s+([0-9.]+)x", text, re.M):
        lines.append(f"| dense perplexity, {windows} windows × {seqlen} | {ours} tokens/s | {theirs} tokens/s | {ratio}× | {ceiling}× |")
    for method, ours, theirs, ratio in re.findall(r"^(wanda|sparsegpt)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)x", text, re.M):
        name = {"wanda": "Wanda", "sparsegpt": "SparseGPT"}[method]
        lines.append(f"| {name}, 32 × 512 calibration | {ours} s | {theirs} s | {ratio}× | |")
    return lines + ["", TIMING]


def speed_prune(results):
    text = open(f"{results}/bench-prune.txt").read()
    forward = numbers(re.search(r"one forward pass.*", text).group(0))[-1]
    lines = [f"| method | seconds | × one forward pass ({forward:.1f} s) | × Wanda | multiply-adds × Wanda's |", "|---|---|---|---|---|"]
    names = {"magnitude": "magnitude", "wanda": "Wanda", "sparsegpt": "SparseGPT", "besa": "BESA (row, masks only)",
             "besa+lstsq": "BESA (row) + least squares, the default"}
    for method, rest in re.findall(r"^(\S+)\s+prune:(.*)$", text, re.M):
        values = numbers(rest)
        wanda = f"{values[2]:.2f}" if len(values) > 2 else ("1" if method == "wanda" else "")
        work = f"{values[3]:.2f}" if len(values) > 3 else ""
        lines.append(f"| {names.get(method, method)} | {values[0]:.1f} | {values[1]:.2f} | {wanda} | {work} |")
    return lines + ["", TIMING]


def accelerator_speed(results):
    text = open(f"{results}/bench-simulate.txt").read()
    layers = int(re.search(r"(\d+) layers", text).group(1))
    lines = [f"| what | seconds for {layers} layers | layers/s | whole-model speedup it computes |", "|---|---|---|---|"]
    fixed = None
    for name, rest in re.findall(r"^(load|compute model|full, M = \d+, (?:fixed|mapper))\s+(.*)$", text, re.M):
        values = numbers(rest)
        if name == "load":
            lines.append(f"| making the masks (seeded, in memory) | {values[0]:.2f} | | |")
            continue
        shown = f"{values[0]:.2f}"
        if name.endswith("fixed"):
            fixed = values[0]
        elif name.endswith("mapper"):
            shown += f" ({values[0] / fixed:.2f}× fixed)"
        lines.append(f"| {name.replace('full, ', 'full model, ').replace(', fixed', ', fixed mapping')} | {shown} | {values[1]:.0f} | {values[2]:.3f}× |")
    return lines + ["", TIMING]


TABLES = {"smollm2-dense": smollm2_dense, "qwen-dense": qwen_dense,
          "accelerator-table4": accelerator_table4, "accelerator-engines": accelerator_engines,
          "accelerator-llama7b-compute": accelerator_llama7b_compute, "accelerator-llama7b-full": accelerator_llama7b_full,
          "accelerator-buffers": accelerator_buffers, "smollm2-pruning": smollm2_pruning,
          "smollm2-calibration": smollm2_calibration, "smollm2-zeroshot": smollm2_zeroshot, "besa-masks": besa_masks,
          "besa-updates": besa_updates, "besa-ablations": besa_ablations, "quantization": quantization,
          "qwen-pruning": qwen_pruning, "qwen-quantization": qwen_quantization,
          "speed-forward": speed_forward, "speed-torch": speed_torch, "speed-prune": speed_prune, "accelerator-speed": accelerator_speed}


def stamp(commands):
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "Sources"], capture_output=True, text=True).stdout.strip()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.machine())
    return (f"Reproduced {datetime.date.today().isoformat()} at commit {commit}{' (with uncommitted source changes)' if dirty else ''}, "
            f"{os.cpu_count()} cores ({cpu}), by `bash scripts/reproduce.sh {NAME}`, which runs:"), commands


if __name__ == "__main__":
    # --keep-stamp: redraw the table only; the stamp (and commands) of the run that made the data stay.
    keep = sys.argv[1] == "--keep-stamp"
    NAME, document, commands_file = sys.argv[1 + keep:4 + keep]
    table = TABLES[NAME](os.path.dirname(document))
    text = open(document).read()
    pattern = re.compile(rf"<!-- reproduce:{re.escape(NAME)} -->.*?<!-- /reproduce:{re.escape(NAME)} -->", re.S)
    found = pattern.search(text)
    if not found:
        sys.exit(f"{document}: no <!-- reproduce:{NAME} --> markers")
    if keep:
        kept = re.match(r"<!-- reproduce:\S+ -->\n(Reproduced .*?\n```\n)", found.group(0), re.S)
        if not kept:
            sys.exit(f"{document}: table {NAME} has no stamp to keep; run it first")
        header = kept.group(1).split("\n")[:-1]
    else:
        line, commands = stamp(open(commands_file).read().strip())
        header = [line, "", "```sh", commands, "```"]
    block = [f"<!-- reproduce:{NAME} -->"] + header + [""] + table + [f"<!-- /reproduce:{NAME} -->"]
    temporary = document + ".tmp"
    with open(temporary, "w") as f:
        f.write(pattern.sub(lambda _: "\n".join(block), text))
    os.replace(temporary, document)
    print(f"{document}: table {NAME} rewritten")

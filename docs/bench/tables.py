#!/usr/bin/env python3
"""Prints the markdown tables of docs/benchmarks.md from docs/bench/results/*.jsonl.

python3 tables.py            all tables
python3 tables.py SECTION    one of: memory, maxbatch, speed, accuracy, accuracy_long, quantizer, auto
python3 tables.py --fill F   rewrites the blocks '<!-- tables:SECTION -->...<!-- /tables -->' of F
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")


def rows(name):
    path = os.path.join(RESULTS, name + ".jsonl")
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path) if line.strip()]


def fmt(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def memory_table(name, title):
    rs = [r for r in rows(name) if "level" in r and "max_batch" not in r]
    if not rs:
        return
    by = {r["level"]: r for r in rs}
    l0 = by.get("L0")
    plain = by.get("plain")
    print(f"**{title}** (batch {rs[0]['batch']})\n")
    # no speed here: these runs tune the allocator for the memory figures, which slows every level;
    # speed comes from the alternating runs of run-speed.sh
    print("| level | activation MB | saved MB | peak MB | bits/elem | activation vs L0 | activation vs plain | peak vs plain |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rs:
        act = r.get("activation_mb")
        peak = r.get("peak_mb")
        ratio_l0 = f"1/{l0['activation_mb'] / act:.1f}" if l0 and act and r["level"] not in ("L0", "plain") else "-"
        ratio_plain = f"{act / plain['activation_mb']:.2f}x" if plain and act and r["level"] != "plain" else "-"
        peak_plain = f"{peak / plain['peak_mb']:.2f}x" if plain and peak and r["level"] != "plain" else "-"
        print(f"| {r['level']} | {fmt(act)} | {fmt(r.get('saved_mb'))} | {fmt(peak)} | {fmt(r.get('bits_avg'), 2)} "
              f"| {ratio_l0} | {ratio_plain} | {peak_plain} |")
    print()


def max_batch_table(name, title):
    rs = [r for r in rows(name) if "max_batch" in r]
    if not rs:
        return
    plain = next((r["max_batch"] for r in rs if r["level"] == "plain"), None)
    print(f"**{title}** (memory budget {rs[0]['memory_budget_mb']} MB)\n")
    print("| level | max batch | vs plain DJL |")
    print("|---|---|---|")
    for r in rs:
        ratio = f"{r['max_batch'] / plain:.1f}x" if plain else "-"
        print(f"| {r['level']} | {r['max_batch']} | {ratio} |")
    print()


def training_table(prefix, levels, title):
    print(f"**{title}**\n")
    print("| level | epoch | test accuracy % | images/s | activation MB |")
    print("|---|---|---|---|---|")
    for level in levels:
        for r in rows(f"{prefix}-{level}"):
            print(f"| {level} | {r.get('epoch')} | {100 * r.get('test_accuracy', 0):.2f} | {fmt(r.get('ips'))} | {fmt(r.get('activation_mb'))} |")
    print()


def quantizer_table(name="quantizer", title=None):
    rs = rows(name)
    if not rs:
        return
    if title:
        print(f"**{title}**\n")
    memcpy = next((r["ms_median"] for r in rs if r["op"] == "memcpy"), None)
    print("| bits | operation | median ms | GB/s | x copy (`NDArray.duplicate`, alternating) | x memcpy |")
    print("|---|---|---|---|---|---|")
    for r in rs:
        vs_memcpy = f"{memcpy / r['ms_median']:.2f}" if memcpy else "-"
        print(f"| {r['bits'] or '-'} | {r['op']} | {r['ms_median']:.2f} | {r['gb_per_s']:.2f} | {r['ratio_to_copy']:.2f} | {vs_memcpy} |")
    print()


def accuracy_table(directory=RESULTS):
    """Test accuracy after the last epoch per seed and level, gaps to L0, and the mean final training loss."""
    import glob
    last = {}  # model -> seed -> level -> the last epoch's line
    for path in sorted(glob.glob(os.path.join(directory, "acc-*.jsonl"))):
        _, model, level, seed = os.path.basename(path)[:-6].split("-")
        lines = [json.loads(l) for l in open(path) if l.strip()]
        if lines:
            last.setdefault(model, {}).setdefault(seed, {})[level] = lines[-1]
    for model, lines in last.items():
        seeds = {seed: {lv: r["test_accuracy"] * 100 for lv, r in per.items()} for seed, per in lines.items()}
        losses = {}
        for per in lines.values():
            for lv, r in per.items():
                losses.setdefault(lv, []).append(r["train_loss"])
        order = ["L0", "L3", "auto"]
        levels = sorted({lv for per in seeds.values() for lv in per},
                        key=lambda x: (order.index(x) if x in order else len(order), x))
        print(f"**{model}**: test accuracy (%) after the last epoch\n")
        print("| seed | " + " | ".join(levels) + " | " + " | ".join(f"{lv} - L0" for lv in levels if lv != "L0") + " |")
        print("|---" * (2 * len(levels)) + "|")
        sums = {lv: [] for lv in levels}
        for seed, per in sorted(seeds.items()):
            cells = [fmt(per.get(lv), 2) for lv in levels]
            gaps = [f"{per[lv] - per['L0']:+.2f}" if lv in per and "L0" in per else "-" for lv in levels if lv != "L0"]
            print(f"| {seed} | " + " | ".join(cells) + " | " + " | ".join(gaps) + " |")
            for lv in levels:
                if lv in per:
                    sums[lv].append(per[lv])
        means = {lv: sum(v) / len(v) for lv, v in sums.items() if v}
        gaps = [f"{means[lv] - means['L0']:+.2f}" for lv in levels if lv != "L0" and lv in means]
        print("| mean | " + " | ".join(f"{means[lv]:.2f}" for lv in levels) + " | " + " | ".join(gaps) + " |")
        loss = {lv: sum(v) / len(v) for lv, v in losses.items()}
        print("| final training loss, mean | " + " | ".join(f"{loss[lv]:.4f}" if lv in loss else "-" for lv in levels)
              + " |" + " |" * (len(levels) - 1))
        print()


def auto_table(name, title):
    """auto against L0 (and L3): what the engine keeps, by its own count and by the resident set."""
    rs = [r for r in rows(name) if "level" in r]
    if not rs:
        return
    l0 = next((r for r in rs if r["level"] == "L0"), None)
    print(f"**{title}** (batch {rs[0]['batch']})\n")
    print("| level | saved MB | activation MB | bits/elem | saved vs L0 |")
    print("|---|---|---|---|---|")
    for r in rs:
        saved = r.get("saved_mb")
        ratio = f"1/{l0['saved_mb'] / saved:.1f}" if l0 and saved and r["level"] != "L0" else "-"
        print(f"| {r['level']} | {fmt(saved)} | {fmt(r.get('activation_mb'))} | {fmt(r.get('bits_avg'), 2)} | {ratio} |")
    print()


def speed_table(name="speed-resnet18-32", title=None):
    """One row per round of plain, L0 and L3 run back to back in fresh JVMs; ratios to plain DJL."""
    import statistics
    rs = rows(name)
    if not rs:
        return
    levels = [lv for lv in ("plain", "L0", "L3") if any(r["level"] == lv for r in rs)]
    ips = {lv: [r["ips"] for r in rs if r["level"] == lv] for lv in levels}
    if "plain" not in ips or len(levels) < 2:
        return
    rounds = min(len(v) for v in ips.values())
    if title:
        print(f"**{title} ({rounds} rounds)**\n")
    others = [lv for lv in levels if lv != "plain"]
    print("| round | " + " | ".join(f"{lv} samples/s" for lv in levels) + " | "
          + " | ".join(f"{lv} / plain" for lv in others) + " |")
    print("|---" * (1 + len(levels) + len(others)) + "|")
    ratios = {lv: [] for lv in others}
    for i in range(rounds):
        for lv in others:
            ratios[lv].append(ips[lv][i] / ips["plain"][i])
        print(f"| {i + 1} | " + " | ".join(f"{ips[lv][i]:.1f}" for lv in levels) + " | "
              + " | ".join(f"{ratios[lv][i]:.2f}" for lv in others) + " |")
    print("| median | " + " | ".join(f"{statistics.median(ips[lv][:rounds]):.1f}" for lv in levels) + " | "
          + " | ".join(f"**{statistics.median(ratios[lv]):.2f}**" for lv in others) + " |")
    print()


def fill(path):
    """Rewrites each block between '<!-- tables:NAME -->' and '<!-- /tables -->' of a markdown file."""
    import contextlib
    import io
    import re
    text = open(path).read()

    def render(match):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            SECTIONS[match.group(1)]()
        return f"<!-- tables:{match.group(1)} -->\n{out.getvalue()}<!-- /tables -->"

    text = re.sub(r"<!-- tables:(\w+) -->.*?<!-- /tables -->", render, text, flags=re.S)
    open(path, "w").write(text)


SECTIONS = {
    "memory": lambda: [memory_table(n, t) for n, t in [
        ("resnet18-32", "ResNet-18, 32x32"), ("resnet50-32", "ResNet-50, 32x32"),
        ("resnet18-64", "ResNet-18, 64x64"), ("resnet50-64", "ResNet-50, 64x64, an older run (before the engine counted what it keeps; not re-measured)"),
        ("bert-tiny", "BERT-tiny, sequence 128, width 128"),
        ("transformer", "Transformer encoder, sequence 128, width 128")]],
    "maxbatch": lambda: [max_batch_table(n, t) for n, t in [
        ("maxbatch-resnet18", "ResNet-18, 32x32"),
        ("maxbatch-resnet50", "ResNet-50, 32x32"),
        ("maxbatch-transformer", "Transformer encoder, sequence 128, width 128")]],
    "speed": lambda: [speed_table(n, t) for n, t in [
        ("speed-resnet18-32", "ResNet-18, 32x32, batch 32"),
        ("speed-resnet50-32", "ResNet-50, 32x32, batch 16"),
        ("speed-transformer", "Transformer encoder, sequence 128, width 128, batch 16"),
        ("speed-bert-tiny", "BERT-tiny, sequence 128, width 128, batch 16"),
        ("speed-convnet", "The demo's CNN (convnet), 28x28, batch 64")]],
    "accuracy": accuracy_table,
    "accuracy_long": lambda: accuracy_table(os.path.join(RESULTS, "long")),
    "auto": lambda: [auto_table(n, t) for n, t in [
        ("auto-resnet18-32", "ResNet-18, 32x32"),
        ("auto-resnet50-32", "ResNet-50, 32x32"),
        ("auto-transformer", "Transformer encoder, sequence 128, width 128")]],
    "quantizer": lambda: [quantizer_table(n, t) for n, t in [
        ("quantizer", "With `MALLOC_MMAP_THRESHOLD_=65536` (as for the memory figures)"),
        ("quantizer-default-malloc", "With glibc's default allocator settings (`ACTNN_MALLOC_TUNING=0`)")]],
}


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--fill":
        fill(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) > 1:
        SECTIONS[sys.argv[1]]()
        sys.exit(0)
    SECTIONS["memory"]()
    SECTIONS["maxbatch"]()
    SECTIONS["speed"]()
    training_table("mnist-lenet", ["L0", "L3", "auto"], "LeNet on real MNIST (8,000 train / 2,000 test digits)")
    training_table("mnist-transformer", ["L0", "L3"], "Transformer on MNIST rows")
    SECTIONS["quantizer"]()

#!/usr/bin/env python3
"""Prints the markdown tables of docs/benchmarks.md from docs/bench/results/*.jsonl."""
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
    print("| level | activation MB | saved MB | peak MB | bits/elem | samples/s | activation vs L0 | vs plain | speed vs L0 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rs:
        act = r.get("activation_mb")
        ratio_l0 = f"1/{l0['activation_mb'] / act:.1f}" if l0 and act and r["level"] not in ("L0", "plain") else "-"
        ratio_plain = f"{act / plain['activation_mb']:.2f}x" if plain and act and r["level"] != "plain" else "-"
        speed = f"{r['ips'] / l0['ips']:.2f}" if l0 and r.get("ips") and r["level"] != "L0" else "-"
        print(f"| {r['level']} | {fmt(act)} | {fmt(r.get('saved_mb'))} | {fmt(r.get('peak_mb'))} | {fmt(r.get('bits_avg'), 2)} "
              f"| {fmt(r.get('ips'))} | {ratio_l0} | {ratio_plain} | {speed} |")
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


def quantizer_table():
    rs = rows("quantizer")
    if not rs:
        return
    print("| bits | operation | median ms | GB/s | x copy (`NDArray.duplicate`) |")
    print("|---|---|---|---|---|")
    for r in rs:
        print(f"| {r['bits'] or '-'} | {r['op']} | {r['ms_median']:.2f} | {r['gb_per_s']:.2f} | {r['ratio_to_copy']:.2f} |")
    print()


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    memory_table("resnet18-32", "ResNet-18, 32x32")
    memory_table("resnet50-32", "ResNet-50, 32x32")
    memory_table("resnet18-64", "ResNet-18, 64x64")
    memory_table("resnet50-64", "ResNet-50, 64x64")
    memory_table("bert-tiny", "BERT-tiny, sequence 128, width 128")
    memory_table("transformer", "Transformer encoder, sequence 128, width 128")
    max_batch_table("maxbatch-resnet18", "ResNet-18, 32x32")
    training_table("mnist-lenet", ["L0", "L3", "auto"], "LeNet on real MNIST (8,000 train / 2,000 test digits)")
    training_table("mnist-transformer", ["L0", "L3"], "Transformer on MNIST rows")
    quantizer_table()

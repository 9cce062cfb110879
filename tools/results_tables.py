#!/usr/bin/env python3
"""Fills the tables of docs/results.md from the study scripts, or checks that they are current.

In docs/results.md each table block sits between two markers:

    <!-- table: tools/study_grid.py table 5 -->
    ...what that command prints...
    <!-- end table -->

  python3 tools/results_tables.py           # rewrite every block with its command's output
  python3 tools/results_tables.py --check   # exit 1, naming the block, when one differs (no hand edits)

The commands read only committed CSVs, so this needs neither Java nor PyTorch.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "results.md")
BLOCK = re.compile(r"(<!-- table: (?P<cmd>[^>]*?) -->\n)(?P<body>.*?)(<!-- end table -->)", re.S)


def output(cmd):
    return subprocess.run([sys.executable] + cmd.split(), cwd=ROOT, check=True, stdout=subprocess.PIPE,
                          text=True).stdout.strip("\n") + "\n"


def main():
    check = "--check" in sys.argv[1:]
    with open(DOC) as f:
        text = f.read()
    stale = []

    def fill(m):
        body = output(m.group("cmd"))
        if body != m.group("body"):
            stale.append(m.group("cmd"))
        return m.group(1) + body + m.group(4)

    new = BLOCK.sub(fill, text)
    if check:
        for cmd in stale:
            print(f"docs/results.md: the block of '{cmd}' differs from what it prints", file=sys.stderr)
        sys.exit(1 if stale else 0)
    with open(DOC, "w") as f:
        f.write(new)
    print(f"{len(BLOCK.findall(text))} blocks, {len(stale)} rewritten")


if __name__ == "__main__":
    main()

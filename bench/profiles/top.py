#!/usr/bin/env python
"""The frames of a py-spy raw profile (collapsed stacks) by their share of the samples:
self time (the frame on top of the stack) and total time (anywhere on it).

    python bench/profiles/top.py bench/profiles/ballot.txt [N]
"""

from __future__ import annotations

import sys
from collections import Counter


def main() -> None:
    path, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in open(path, encoding="utf-8"):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")[1:]  # the first is the process
        samples += n
        if frames:
            own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    print(f"{samples} samples")
    for title, counter in (("self", own), ("total", total)):
        print(f"\n-- {title}")
        for frame, n in counter.most_common(top):
            print(f"{100 * n / samples:5.1f}%  {frame}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Fails (exit 1) when a binary linked with borealis_link_lean loads more than glibc.

Usage: check_lean_binary.py BINARY. Reads the binary's NEEDED entries with `readelf -d`;
anything beyond libc, libm and the dynamic loader (a shared Abseil, libstdc++, libgcc_s,
a logging library) costs every task its resident pages (docs/BENCHMARKS.md, "Executor
overhead"). Run by ctest as `executor_links_lean`.
"""
import re
import subprocess
import sys

ALLOWED = {"libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2"}


def main(binary: str) -> int:
    out = subprocess.run(["readelf", "-d", binary], check=True, capture_output=True,
                         text=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
    extra = [n for n in needed if n not in ALLOWED]
    print(f"{binary}: needs {', '.join(needed)}")
    if extra:
        print(f"not glibc: {', '.join(extra)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

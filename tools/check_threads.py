#!/usr/bin/env python3
"""Checks the locking contracts: Clang's thread-safety analysis over every project .cc.

Usage: check_threads.py [BUILD_DIR [FILE...]] (default build; FILEs, paths from the
repository root, limit the check to those files). Reads BUILD_DIR/compile_commands.json
of the release build (g++), rewrites each command of a .cc under src/, apps/, tests/ and
bench/ for clang++ -fsyntax-only with -Wthread-safety as an error, and runs them in
parallel, one per core. Exits 1 when any file has a thread-safety error (or does not
parse), 0 otherwise. Members marked ABSL_GUARDED_BY, functions marked
ABSL_EXCLUSIVE_LOCKS_REQUIRED / ABSL_LOCKS_EXCLUDED and the lockable types of
base/mutex.h are what it checks; g++ ignores those annotations. Run by `make
check-threads` and CI, after the build (generated headers must exist).
"""
import concurrent.futures
import json
import os
import pathlib
import shlex
import subprocess
import sys
import time

CLANG = os.environ.get("CLANGXX", "clang++")
SOURCE_DIRS = ("src", "apps", "tests", "bench")
# The analysis, as errors. Every other warning is off: g++ is the compiler whose warnings
# the build holds to, and Clang's differ.
CHECK_FLAGS = ["-fsyntax-only", "-Wno-everything", "-Wthread-safety", "-Werror=thread-safety"]
# g++ options Clang does not know, dropped with the warnings and the output options.
GCC_ONLY = {"-fno-semantic-interposition", "-fconserve-stack", "-fno-tree-loop-distribute-patterns"}


def clang_command(entry: dict) -> list[str]:
    args = entry.get("arguments") or shlex.split(entry["command"])
    # Drop the compiler (and a launcher such as ccache before it).
    if os.path.basename(args[0]) == "ccache":
        args = args[1:]
    args = args[1:]
    out = [CLANG]
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
            continue
        if a in ("-c", "-MD", "-MMD") or a.startswith("-W") or a == "-w" or a in GCC_ONLY:
            continue
        if a == entry["file"]:
            continue
        out.append(a)
    return out + CHECK_FLAGS + [entry["file"]]


def check(entry: dict) -> tuple[str, int, str]:
    proc = subprocess.run(clang_command(entry), cwd=entry["directory"], capture_output=True,
                          text=True)
    return entry["file"], proc.returncode, proc.stdout + proc.stderr


def main(build_dir: pathlib.Path, only: list[str]) -> int:
    root = pathlib.Path(__file__).resolve().parent.parent
    db = build_dir / "compile_commands.json"
    if not db.exists():
        print(f"check-threads: {db} is missing; build first (make build)")
        return 1
    entries, seen = [], set()
    for e in json.loads(db.read_text()):
        path = pathlib.Path(e["file"]).resolve()
        try:
            rel = path.relative_to(root)
        except ValueError:
            continue
        # One command per file: a test source compiled into two targets is checked once.
        if path.suffix != ".cc" or rel.parts[0] not in SOURCE_DIRS or path in seen:
            continue
        if only and str(rel) not in only:
            continue
        seen.add(path)
        entries.append(e)
    jobs = os.cpu_count() or 1
    start = time.monotonic()
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for file, rc, output in pool.map(check, entries):
            if rc != 0:
                failed.append(file)
                sys.stdout.write(output)
    took = time.monotonic() - start
    print(f"check-threads: {len(entries)} files, {len(failed)} with errors, "
          f"{took:.0f}s on {jobs} cores")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "build").resolve(),
                  sys.argv[2:]))

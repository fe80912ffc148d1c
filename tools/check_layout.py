#!/usr/bin/env python3
"""Keeps the house as DESIGN.md draws it.

Fails (exit 1) when a file under src/borealis/<module>/ includes a header of a module
that <module> may not depend on, or when code outside base/real_clock.cc and apps/
reads the machine's clock. Run by ctest as `layout_check`.
"""
import pathlib
import re
import sys

# module -> modules it may include (besides itself). Mirrors src/borealis/CMakeLists.txt.
ALLOWED = {
    "base": set(),
    "model": {"base"},
    "core": {"model", "base"},
    "state": {"model", "base"},
    "wire": {"model", "base"},
    "runtime": {"base"},
    "net": {"runtime", "base"},
    "config": {"model", "base"},
    "executor": {"config", "runtime", "model", "base", "isolation"},
    "agent": {"net", "runtime", "wire", "config", "model", "base", "isolation"},
    "scheduler": {"core", "state", "wire", "net", "runtime", "model", "base"},
    "pyconfig": {"config", "model", "base"},
    "cli": {"wire", "config", "model", "base", "runtime", "net", "pyconfig"},
    "sim": {"core", "state", "model", "base", "scheduler", "runtime"},
    "testing": {"base", "model", "runtime", "wire", "state", "core", "config"},
    "isolation": {"base", "runtime"},
    "zk": {"base", "runtime"},
}
PURE = {"core", "model"}
INCLUDE = re.compile(r'#include\s+"borealis/([a-z_]+)/')
CLOCK = re.compile(r"\b(system_clock|steady_clock|high_resolution_clock)::now|"
                   r"\bclock_gettime\s*\(|\bgettimeofday\s*\(|\btime\s*\(\s*(nullptr|NULL|0)\s*\)")
# Effects that pure modules must not touch.
EFFECTS = re.compile(r"#include\s+<(fstream|thread|mutex|filesystem|sys/socket\.h|unistd\.h|"
                     r"boost/asio[^>]*|spdlog/[^>]*)>")


def main(root: pathlib.Path) -> int:
    errors = []
    src = root / "src" / "borealis"
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cc"):
            continue
        module = path.relative_to(src).parts[0]
        text = path.read_text(encoding="utf-8", errors="replace")
        # Tests and the headers only tests include (<name>_testing.h) may use testing/.
        is_test = path.name.endswith(("_test.cc", "_testing.h"))
        allowed = ALLOWED.get(module)
        if allowed is None:
            errors.append(f"{path}: module '{module}' is not in the layout table")
            continue
        for n, line in enumerate(text.splitlines(), 1):
            m = INCLUDE.search(line)
            if m and m.group(1) != module and m.group(1) not in allowed:
                if not (is_test and m.group(1) == "testing"):
                    errors.append(f"{path}:{n}: {module}/ may not include {m.group(1)}/")
            if CLOCK.search(line) and not (module == "base" and path.name == "real_clock.cc"):
                errors.append(f"{path}:{n}: reads the machine clock; take a base::Clock")
            if module in PURE and not is_test and EFFECTS.search(line):
                errors.append(f"{path}:{n}: {module}/ is pure and may not include this")
    for e in errors:
        print(e)
    print(f"layout: {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")))

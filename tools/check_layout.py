#!/usr/bin/env python3
"""Keeps the house as DESIGN.md draws it.

Fails (exit 1) when a file under src/borealis/<module>/ includes a header of a module
that <module> may not depend on, or when code outside base/real_clock.cc and apps/
reads the machine's clock. Run by ctest as `layout_check`.

Scheduler components (src/borealis/scheduler/components/, docs/architecture/scheduler.md)
stay rooms of their own: a component may include, of scheduler/, only SchedulerCore's
interface headers (COMPONENT_INTERFACES) and its own header, never another component's.
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
COMPONENTS_DIR = "scheduler/components"
# What SchedulerCore offers its components; everything else in scheduler/ is off limits.
COMPONENT_INTERFACES = {"component.h", "agent_records.h", "outgoing.h", "rules.h"}
# Test-only headers components' tests may share.
COMPONENT_TEST_HEADERS = {"component_testing.h"}
SCHEDULER_INCLUDE = re.compile(r'#include\s+"borealis/scheduler/([^"]+)"')
INCLUDE = re.compile(r'#include\s+"borealis/([a-z_]+)/')
CLOCK = re.compile(r"\b(system_clock|steady_clock|high_resolution_clock)::now|"
                   r"\bclock_gettime\s*\(|\bgettimeofday\s*\(|\btime\s*\(\s*(nullptr|NULL|0)\s*\)")
# Effects that pure modules must not touch.
EFFECTS = re.compile(r"#include\s+<(fstream|thread|mutex|filesystem|sys/socket\.h|unistd\.h|"
                     r"boost/asio[^>]*|spdlog/[^>]*)>")


def ComponentIncludeProblem(path: pathlib.Path, is_test: bool, m) -> str:
    """Why a component file may not include the scheduler/ header `m` names, or ''."""
    if not m:
        return ""
    target = m.group(1)
    if target in COMPONENT_INTERFACES:
        return ""
    if target.startswith("components/"):
        name = target[len("components/"):]
        stem = path.name.removesuffix("_test.cc").removesuffix(".cc").removesuffix(".h")
        if name == stem + ".h":
            return ""
        if is_test and name in COMPONENT_TEST_HEADERS:
            return ""
        return (f"a component may not include another component's header ({target}); "
                "share through component.h or core/")
    return (f"a component may include only SchedulerCore's interfaces "
            f"({', '.join(sorted(COMPONENT_INTERFACES))}), not scheduler/{target}")


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
        rel = path.relative_to(src).as_posix()
        in_component = rel.startswith(COMPONENTS_DIR + "/")
        for n, line in enumerate(text.splitlines(), 1):
            if in_component:
                problem = ComponentIncludeProblem(path, is_test, SCHEDULER_INCLUDE.search(line))
                if problem:
                    errors.append(f"{path}:{n}: {problem}")
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

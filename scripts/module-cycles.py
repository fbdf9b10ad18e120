#!/usr/bin/env python3
"""Reports import cycles between the top-level modules of each library crate.

A module is a top-level file or folder of `src/` (`store/` with everything under it counts as
`store`). An edge a -> b is any `crate::b...` path in a's files, or `crate::Name` where lib.rs
re-exports `Name` from b. Parent/child references inside one folder are not edges.
Exits 1 and prints each cycle found; prints the module count otherwise.
"""
import pathlib
import re
import sys

CRATES = ["auth-core", "auth-axum", "auth-actix", "auth-macros"]


def module_of(src: pathlib.Path, f: pathlib.Path) -> str:
    rel = f.relative_to(src)
    return rel.parts[0].removesuffix(".rs")


def strip_comments(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def reexports(lib: str) -> dict:
    """Name -> module for `pub use module::...` lines of lib.rs."""
    names = {}
    for m in re.finditer(r"pub use (?:crate::)?([a-z_]+)::([^;]+);", strip_comments(lib)):
        module, rest = m.group(1), m.group(2)
        for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", rest):
            names.setdefault(name, module)
    return names


def crate_paths(text: str):
    """Every path that starts at `crate::`, with `use crate::{a::x, b}` groups expanded."""
    out = []
    for m in re.finditer(r"crate::(\{[^;]*\}|[A-Za-z_][A-Za-z0-9_]*)", text):
        head = m.group(1)
        if head.startswith("{"):
            depth, item, items = 0, "", []
            for c in head[1:-1]:
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                if c == "," and depth == 0:
                    items.append(item)
                    item = ""
                else:
                    item += c
            items.append(item)
            out += [re.split(r"[:\s{]", i.strip())[0] for i in items if i.strip()]
        else:
            out.append(head)
    return out


def cycles(crate: str):
    src = pathlib.Path(crate) / "src"
    files = sorted(src.rglob("*.rs"))
    lib = (src / "lib.rs").read_text()
    names = reexports(lib)
    modules = {module_of(src, f) for f in files} - {"lib"}
    edges = {m: set() for m in modules}
    for f in files:
        a = module_of(src, f)
        if a == "lib":
            continue
        for head in crate_paths(strip_comments(f.read_text())):
            b = head if head in modules else names.get(head)
            if b and b != a and b in modules:
                edges[a].add(b)
    found, seen = [], set()

    def walk(node, stack):
        for nxt in sorted(edges[node]):
            if nxt in stack:
                cyc = stack[stack.index(nxt):] + [nxt]
                key = frozenset(cyc)
                if key not in seen:
                    seen.add(key)
                    found.append(cyc)
            elif len(stack) < len(modules):
                walk(nxt, stack + [nxt])

    for m in sorted(modules):
        walk(m, [m])
    return modules, found


def main() -> int:
    bad = False
    for crate in CRATES:
        modules, found = cycles(crate)
        for cyc in found:
            bad = True
            print(f"{crate}: import cycle {' -> '.join(cyc)}")
        if not found:
            print(f"{crate}: {len(modules)} modules, no import cycle")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

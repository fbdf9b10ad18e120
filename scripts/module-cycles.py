#!/usr/bin/env python3
"""Reports import cycles between the top-level modules of each library crate, and paths that
go through a crate's root instead of naming the module (`crate::Name` for a `Name` that lib.rs
re-exports: write `crate::module::Name`).

A module is a file of `src/` (a folder's `mod.rs` is the folder: `http/request.rs` is
`http::request`, `http/mod.rs` is `http`). An edge a -> b is a `crate::b...` path in a's file
(the longest module prefix of the path), or `crate::Name` where lib.rs re-exports `Name` from b.
References between a module and its parent or children are not edges.
Exits 1 and prints each cycle and each path through the root; prints the module count otherwise.
"""
import pathlib
import re
import sys

CRATES = [
    "auth-core",
    "auth-sql",
    "auth-redis",
    "auth-pages",
    "auth-admin",
    "auth-axum",
    "auth-actix",
    "auth-macros",
]


def module_of(src: pathlib.Path, f: pathlib.Path) -> str:
    parts = list(f.relative_to(src).with_suffix("").parts)
    if parts[-1] == "mod":
        parts.pop()
    return "::".join(parts)


def related(a: str, b: str) -> bool:
    """Whether one module is the other's ancestor (or the same)."""
    return a == b or a.startswith(b + "::") or b.startswith(a + "::")


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
    for m in re.finditer(r"(?<![$\w])crate::(\{[^;]*\}|[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)(?!\s*!)", text):
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
            out += [re.split(r"[\s{]", i.strip())[0].rstrip(":") for i in items if i.strip()]
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
    through_root = []
    for f in files:
        a = module_of(src, f)
        if a == "lib":
            continue
        for path in crate_paths(strip_comments(f.read_text())):
            segs = path.split("::")
            if segs[0] not in modules and segs[0] in names:
                through_root.append(f"{f}: crate::{segs[0]} goes through the crate root; name its module")
            b = next(
                ("::".join(segs[:n]) for n in range(len(segs), 0, -1) if "::".join(segs[:n]) in modules),
                names.get(segs[0]),
            )
            if b and b in modules and not related(a, b):
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
    return modules, found, through_root


def main() -> int:
    bad = False
    for crate in CRATES:
        modules, found, through_root = cycles(crate)
        for cyc in found:
            bad = True
            print(f"{crate}: import cycle {' -> '.join(cyc)}")
        for line in sorted(set(through_root)):
            bad = True
            print(line)
        if not found and not through_root:
            print(f"{crate}: {len(modules)} modules, no import cycle")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Regenerates auth-core/data/common-passwords.txt from the 30,000-entry password frequency
# list of the zxcvbn package on PyPI (MIT licence; see auth-core/data/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
pip download --no-deps zxcvbn==4.5.0 -d "$tmp" -q
python3 - "$tmp" <<'PY'
import glob, sys, zipfile
whl = glob.glob(sys.argv[1] + "/zxcvbn-*.whl")[0]
ns = {}
exec(zipfile.ZipFile(whl).read("zxcvbn/frequency_lists.py").decode(), ns)
seen, out = set(), []
for pw in ns["FREQUENCY_LISTS"]["passwords"]:
    p = pw.strip().lower()
    if p and p not in seen:
        seen.add(p)
        out.append(p)
open("auth-core/data/common-passwords.txt", "w").write("\n".join(out) + "\n")
print(len(out), "passwords")
PY
rm -rf "$tmp"

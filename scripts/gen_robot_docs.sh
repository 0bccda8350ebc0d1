#!/usr/bin/env bash
# Regenerates docs/robot-keywords.html, the keyword documentation of the Robot Framework library
# simprof.robot, from the keywords' docstrings (Robot's libdoc). Run from anywhere:
#   bash scripts/gen_robot_docs.sh
# The "generated" stamp is the time of the last commit touching the library, so regenerating
# without a change in the keywords gives the same file.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git log -1 --format=%ct -- simprof/robot simprof/api.py 2>/dev/null || true)
fi
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(date +%s)}
"$PY" -m robot.libdoc --name simprof.robot simprof.robot docs/robot-keywords.html
# libdoc records each keyword's source as an absolute path of this machine: keep it relative to
# the repository instead, so the committed file names no machine's folders.
"$PY" - <<'PYEOF'
import json, os, re
from pathlib import Path
doc = Path("docs/robot-keywords.html")
root = json.dumps(os.getcwd() + os.sep)[1:-1]
doc.write_text(doc.read_text(encoding="utf-8").replace(f'"source": "{root}', '"source": "'), encoding="utf-8")
PYEOF

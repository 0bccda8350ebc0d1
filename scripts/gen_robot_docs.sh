#!/usr/bin/env bash
# Regenerates docs/robot-keywords.html, the keyword documentation of the Robot Framework library
# simprof.robot, from the keywords' docstrings (Robot's libdoc). Run from anywhere:
#   bash scripts/gen_robot_docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
"$PY" -m robot.libdoc --name simprof.robot simprof.robot docs/robot-keywords.html

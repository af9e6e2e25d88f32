#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# AUTOGRADER_ROOT stands in for /autograder (the course's tests unpack the zip elsewhere).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"

PYTHON=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
        && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        PYTHON="$candidate"
        break
    fi
done
if [ -z "$PYTHON" ]; then
    # Gradescope's Ubuntu 22.04 image ships Python 3.10; its archive has 3.11
    apt-get update -q && apt-get install -y -q python3.11 python3.11-venv
    PYTHON=python3.11
fi

"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install -q --upgrade pip
"$ROOT/venv/bin/pip" install -q "$ROOT/source/course"
# initialise the embedded PostgreSQL now, so that the first submission does not pay for it
APL_COURSE_ROOT="$ROOT/source/course" "$ROOT/venv/bin/checker" db start

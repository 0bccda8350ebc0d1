#!/usr/bin/env bash
# Installs everything simprof needs on Debian 12, idempotently: the Arm toolchain, newlib and QEMU
# from Debian, and a virtualenv at .venv with simprof and its test/robot/dask extras.
set -euo pipefail
cd "$(dirname "$0")/.."

# gcc + libc6-dev: the host build of simprof-rt (ASan/UBSan, fuzzing, parity with the wheel).
# g++: compiles the C++ profiler header users add to their TFLM application (firmware/user).
DEB_PACKAGES=(qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi gcc g++ libc6-dev python3 python3-venv python3-pip make)

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# python3-venv/pip are irrelevant when python3 already has a working venv module (e.g. pyenv builds).
if python3 -c "import venv, ensurepip" 2>/dev/null; then
    filtered=()
    for pkg in "${missing[@]}"; do
        [[ "$pkg" == python3-venv || "$pkg" == python3-pip ]] || filtered+=("$pkg")
    done
    missing=("${filtered[@]+"${filtered[@]}"}")
fi
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup: missing Debian packages: ${missing[*]}" >&2
        echo "setup: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]} (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv
fi
stamp=.venv/.simprof-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp || setup.py -nt $stamp ]]; then
    echo "setup: installing simprof into .venv (pip)"
    mkdir -p build
    if ! .venv/bin/python -m pip install -e ".[test,robot,dask]" >build/setup-pip.log 2>&1; then
        tail -n 30 build/setup-pip.log >&2
        echo "setup: pip install failed (full log: build/setup-pip.log)" >&2
        exit 1
    fi
    touch "$stamp"
fi

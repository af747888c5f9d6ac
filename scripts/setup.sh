#!/usr/bin/env bash
# Set up leadsim for development: a virtualenv in .venv with the project installed
# editable, with its dev tools (pytest, ruff).
#
#   scripts/setup.sh                 # create or refresh .venv
#   scripts/setup.sh --extras viz    # also install optional extras (comma-separated or repeated)
#   PYTHON=/path/to/python3.12 scripts/setup.sh   # use this interpreter to create .venv
#
# Safe to run any number of times. A second run is fast: it reinstalls only when
# pyproject.toml, the Python of .venv or the requested extras have changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
STAMP="$VENV/.leadsim-setup"
MIN_MINOR=12 # Python 3.12 or newer (Mesa >= 3.5)

die() {
    echo "setup.sh: error: $*" >&2
    exit 1
}
say() { echo "setup.sh: $*" >&2; }

usage() {
    sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# --- arguments -------------------------------------------------------------------------
extras=(dev)
while [[ $# -gt 0 ]]; do
    case "$1" in
    --extras)
        [[ $# -ge 2 ]] || die "--extras needs a value, e.g. --extras viz"
        IFS=',' read -r -a more <<<"$2"
        extras+=("${more[@]}")
        shift 2
        ;;
    --extras=*)
        IFS=',' read -r -a more <<<"${1#--extras=}"
        extras+=("${more[@]}")
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown argument '$1' (try --help)" ;;
    esac
done

# sorted, unique, no empty names
sorted_words() { tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//'; }
requested="$(echo "${extras[*]}" | sorted_words)"
for e in $requested; do
    [[ "$e" =~ ^[A-Za-z0-9._-]+$ ]] || die "bad extra name '$e'"
done

# --- finding a Python >= 3.12 ------------------------------------------------------------
# Prints the interpreter's real path if "$@" runs a Python >= 3.12, else fails.
# Runs the command with a timeout and no stdin so that a broken shim cannot hang us.
probe() {
    local out t=()
    command -v timeout >/dev/null 2>&1 && t=(timeout 30)
    out="$("${t[@]}" "$@" -c "import sys; assert sys.version_info >= (3, $MIN_MINOR); print(sys.executable)" \
        </dev/null 2>/dev/null)" || return 1
    [[ -n "$out" && -x "$out" ]] || return 1
    echo "$out"
}

find_python() {
    local c v p
    if [[ -n "${PYTHON:-}" ]]; then
        probe "$PYTHON"
        return
    fi
    # 1. on PATH (a pyenv shim that is not active for this directory fails here and is skipped)
    for c in python3.12 python3.13 python3.14 python3; do
        command -v "$c" >/dev/null 2>&1 || continue
        probe "$c" && return 0
    done
    # 2. pyenv: installed versions (3.12 first, the tested one), selected explicitly with PYENV_VERSION
    if command -v pyenv >/dev/null 2>&1; then
        while read -r v; do
            [[ "$v" =~ ^3\.(1[2-9]|[2-9][0-9])(\.[0-9]+)?$ ]] || continue
            for c in "python${v%.*}" python3; do
                p="$(PYENV_VERSION="$v" probe "$c")" && {
                    echo "$p"
                    return 0
                }
            done
        done < <(pyenv versions --bare 2>/dev/null | sed 's/^[* ]*//; s/ .*//' | sort -V)
    fi
    # 3. pyenv's install folder, even without pyenv on PATH
    local found=()
    shopt -s nullglob
    found=("${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 /root/.pyenv/versions/3.1[2-9]*/bin/python3)
    shopt -u nullglob
    while read -r p; do
        [[ -n "$p" ]] && probe "$p" && return 0
    done < <(printf '%s\n' "${found[@]}" | sort -u -V)
    return 1
}

# --- the virtualenv ----------------------------------------------------------------------
venv_ok() { [[ -x "$VENV/bin/python" ]] && probe "$VENV/bin/python" >/dev/null; }

if ! venv_ok; then
    if [[ -e "$VENV" ]]; then
        say "removing $VENV: its Python is missing, broken or older than 3.$MIN_MINOR"
        rm -rf "$VENV"
    fi
    PY=""
    if [[ -n "${PYTHON:-}" ]]; then
        PY="$(find_python)" || die "PYTHON=$PYTHON is not a working Python >= 3.$MIN_MINOR"
    fi
    [[ -n "$PY" ]] || PY="$(find_python)" || die "no Python >= 3.$MIN_MINOR found.
  Tried: \$PYTHON, python3.12, python3.13, python3.14 and python3 on PATH, pyenv's installed versions,
  and ${PYENV_ROOT:-$HOME/.pyenv}/versions/3.1x/bin/python3.
  Install one (e.g. 'apt-get install python3.12 python3.12-venv' or 'pyenv install 3.12'),
  or point to it: PYTHON=/path/to/python3.12 scripts/setup.sh"
    say "creating .venv with $PY ($("$PY" -c 'import platform; print(platform.python_version())'))"
    "$PY" -m venv "$VENV" || {
        rm -rf "$VENV"
        die "'$PY -m venv' failed; on Debian/Ubuntu install the venv module (e.g. apt-get install python3.12-venv)"
    }
fi

# --- install, unless nothing changed -----------------------------------------------------
read -r pyversion digest available < <("$VENV/bin/python" -c '
import hashlib, platform, tomllib
data = open("pyproject.toml", "rb").read()
extras = tomllib.loads(data.decode())["project"].get("optional-dependencies", {})
print(platform.python_version(), hashlib.sha256(data).hexdigest()[:16], ",".join(sorted(extras)) or "-")')
fingerprint="pyproject-$digest python-$pyversion"
for e in $requested; do
    [[ ",$available," == *",$e,"* ]] || die "unknown extra '$e'; pyproject.toml has: ${available//,/, }"
done
installed=""
if [[ -f "$STAMP" ]] && [[ "$(sed -n 1p "$STAMP")" == "$fingerprint" ]]; then
    installed="$(sed -n 2p "$STAMP")"
fi
missing="$(comm -23 <(echo "$requested" | tr ' ' '\n') <(echo "$installed" | tr ' ' '\n' | sort -u) | tr '\n' ' ')"

if [[ -n "${missing// /}" ]] || [[ ! -x "$VENV/bin/leadsim" ]]; then
    # Also keep any extras installed before that still exist (they are in .venv anyway).
    prior=""
    if [[ -f "$STAMP" ]]; then
        # shellcheck disable=SC2013 # the line holds space-separated names
        for e in $(sed -n 2p "$STAMP"); do
            [[ ",$available," == *",$e,"* ]] && prior+=" $e"
        done
    fi
    want="$(echo "$requested $prior" | sorted_words)"
    spec=".[$(echo "$want" | tr ' ' ',')]"
    say "installing leadsim ($spec) into .venv (about a minute the first time)"
    export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
    log="$VENV/.leadsim-setup.log"
    if ! { "$VENV/bin/python" -m pip install --quiet --upgrade pip &&
        "$VENV/bin/python" -m pip install --quiet -e "$spec"; } >"$log" 2>&1; then
        grep -v "is ignored: it is neither a file nor a directory" "$log" | tail -n 40 >&2
        die "pip install failed (full log: ${log#"$ROOT"/})"
    fi
    printf '%s\n%s\n' "$fingerprint" "$want" >"$STAMP"
    status="installed"
else
    status="up to date"
fi

# --- the trainers' page's front-end files ----------------------------------------------------
# Fetched now, with network, so that `leadsim serve` needs none in a training room (it refuses to
# start without them). Quick when they are already there; a failure here leaves the rest usable.
if ! "$VENV/bin/leadsim" serve --prepare >/dev/null 2>"$VENV/.leadsim-frontend.log"; then
    tail -n 1 "$VENV/.leadsim-frontend.log" >&2
    say "warning: the trainers' page will not start until its front-end files are fetched: rerun this script with network access (needs npm)"
fi

echo "leadsim is $status in .venv (Python $pyversion). Next: .venv/bin/leadsim run charismatic-solo   or   .venv/bin/pytest -q"

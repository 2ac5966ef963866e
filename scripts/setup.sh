#!/usr/bin/env bash
# Makes this checkout ready to run and test: system packages (when we can install them), the
# virtual environment with the project installed, compiled translations and collected static files.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
# fonts-noto-cjk: Chinese in PDFs; libharfbuzz-subset0: WeasyPrint's fast font subsetting (without it,
# 90x slower); gettext: compilemessages; poppler-utils: pdftoppm/pdftotext to look at PDFs;
# chromium: the browser tests; redis-server: the embedded Celery broker that `make run` and
# `make test` start themselves; wrk: the load generator of `make bench`; fonts-wqy-microhei: the one
# TrueType face of the one-page notices (a few KB embedded, where a Noto CJK face takes 150 KB).
SYSTEM_PACKAGES=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext poppler-utils chromium
  redis-server wrk fonts-wqy-microhei)

missing=()
for package in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: these system packages are missing; install them with:" >&2
    echo "    sudo apt-get install ${missing[*]}" >&2
    echo "setup: continuing; PDFs, translations or browser tests may fail until they are installed." >&2
  fi
fi

if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)
if [[ ! -f $stamp ]]; then
  echo "setup: installing the project and its dependencies into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

mkdir -p var
.venv/bin/python manage.py compilemessages --ignore=.venv -v 0
# collectstatic, unless no static file changed since the last one (it compresses every file anew).
.venv/bin/python scripts/collectstatic.py

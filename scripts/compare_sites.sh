#!/usr/bin/env bash
# Render the same results with the code of a git commit (REF) and with this checkout, and compare
# the two OUT/site_src folders byte for byte (pages and the chart spec scripts under
# site_src/assets/headatlas/charts). For refactors that must not change the site:
#
#   scripts/compare_sites.sh REF RESULTS_DIR [RESULTS_DIR ...]
#
# REF is any commit (e.g. main, or the commit a branch started from); its code is taken with
# `git archive` into a temporary folder, so no worktree or stash is touched. Each RESULTS_DIR is
# an OUT/results folder of a real build (read only: it is copied). Renders run
# `python -m generator.cli.main render --out OUT --no-offline-site` with PYTHONPATH set to each
# copy of the code. Exit status 0 when every site_src is identical, 1 when any differs (the diff
# is printed), 2 on a usage error. KEEP=1 keeps the temporary folder (its path is printed).
set -euo pipefail

if [ "$#" -lt 2 ]; then
  echo "usage: $0 REF RESULTS_DIR [RESULTS_DIR ...]" >&2
  exit 2
fi
ref="$1"
shift
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/compare-sites.XXXXXX")"
if [ "${KEEP:-0}" != "1" ]; then
  trap 'rm -rf "$work"' EXIT
else
  echo "keeping $work"
fi

mkdir "$work/before"
git -C "$here" archive "$ref" | tar -x -C "$work/before"

render() {  # render CODE_DIR RESULTS_DIR OUT
  mkdir -p "$3"
  cp -r "$2" "$3/results"
  (cd "$3" && PYTHONPATH="$1" python -m generator.cli.main render --out "$3" \
    --no-offline-site >"$3/render.log" 2>&1) || {
    echo "render failed with $1 (log: $3/render.log)" >&2
    tail -n 20 "$3/render.log" >&2
    exit 2
  }
}

status=0
n=0
for results in "$@"; do
  n=$((n + 1))
  if [ ! -d "$results" ]; then
    echo "$results: not a folder" >&2
    exit 2
  fi
  render "$work/before" "$results" "$work/$n/before"
  render "$here" "$results" "$work/$n/after"
  pages=$(find "$work/$n/after/site_src" -type f | wc -l)
  if diff -r "$work/$n/before/site_src" "$work/$n/after/site_src"; then
    echo "identical: $results ($pages files in site_src)"
  else
    echo "DIFFERENT: $results" >&2
    status=1
  fi
done
exit "$status"

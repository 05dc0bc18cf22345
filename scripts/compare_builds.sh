#!/usr/bin/env bash
# Compare the results of the code at git ref REF with the working tree's code, byte for byte.
#
# Usage: scripts/compare_builds.sh REF
#
# For a change that must leave every number as it is (a refactor): exports the code at REF
# (`git archive`) and the working tree's code (tracked files plus untracked ones git does not
# ignore) into a temporary folder, runs two builds with each copy (PYTHONPATH set to that copy,
# `python -m generator.cli.main build`) and compares the results folders with
# scripts/compare_results.py, every file including manifest.json (one environment: the package
# versions are the same). The builds:
#   default  the default corpus: --max-segments 200 --no-site --no-cache
#   gold     EWT dev as the treebank, GUM dev as the coreference file: --max-segments 100
#            --gradient-segments 16 --mst-sentences 100 --no-site --no-cache
# The corpora come from shared/ beside the main checkout (SHARED=... overrides it). Exit status
# 0 when every results file is identical, 1 when any differs, 2 on a failed build.
set -euo pipefail

ref=${1:?usage: scripts/compare_builds.sh REF}
root=$(git rev-parse --show-toplevel)
# shared/ sits beside the main checkout; from a linked worktree that is the common git dir's
# grandparent (MAIN/.git/../..), which is also right for the main checkout itself.
common=$(git -C "$root" rev-parse --path-format=absolute --git-common-dir)
shared=${SHARED:-$(dirname "$(dirname "$common")")/shared}
[[ -d $shared/corpora ]] || { echo "no corpora under $shared (set SHARED=)" >&2; exit 2; }
git -C "$root" rev-parse --verify --quiet "$ref^{commit}" >/dev/null \
  || { echo "unknown git ref: $ref" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/compare-builds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/before" "$tmp/after"
git -C "$root" archive "$ref" | tar -x -C "$tmp/before"
(cd "$root" && git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' path; do [[ -f $path ]] && printf '%s\0' "$path"; done \
  | tar -c --null -T - -f -) | tar -x -C "$tmp/after"

treebank=$shared/corpora/ud-english-ewt/en_ewt-ud-dev.conllu
coref=$shared/corpora/ud-english-gum/en_gum-ud-dev.conllu
declare -A builds=(
  [default]="--max-segments 200 --no-site --no-cache"
  [gold]="--treebank $treebank --coref $coref --max-segments 100 --gradient-segments 16
          --mst-sentences 100 --no-site --no-cache"
)

status=0
for name in default gold; do
  for side in before after; do
    echo "== $name build, $side ($([[ $side == before ]] && echo "$ref" || echo "working tree"))"
    # shellcheck disable=SC2086  # the options are split on purpose
    if ! (cd "$tmp/$side" && PYTHONPATH="$tmp/$side" python -m generator.cli.main build \
          --out "$tmp/out-$name-$side" ${builds[$name]} > "$tmp/$name-$side.log" 2>&1); then
      echo "build failed; its last lines:" >&2
      tail -20 "$tmp/$name-$side.log" >&2
      exit 2
    fi
  done
  echo "== $name: $ref vs working tree"
  python "$root/scripts/compare_results.py" \
    "$tmp/out-$name-before/results" "$tmp/out-$name-after/results" || status=1
done
if [[ $status == 0 ]]; then
  echo "every results file identical"
else
  echo "results differ" >&2
fi
exit $status

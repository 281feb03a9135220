#!/usr/bin/env bash
# Which parts of the sense vectors matter, measured on semeval2007 (the dev set).
# Each index holds only semeval2007's lemmas (--lemmas), which gives the same semeval2007
# figures as a full index for the WordNet-only variants, and nearly so with SemCor (propagation
# then sees the SemCor sentences that hold those lemmas, about two thirds of them).
#   bash benchmarks/ablations.sh [DATA_DIR] [LAYERS]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/wsd}
layers=${2:--1}
out=${TMPDIR:-/tmp}/wsd-ablations
wsd=.venv/bin/wsd-service
dev=$data/semeval2007/semeval2007
lemmas=$(grep -o '<instance [^>]*lemma="[^"]*"' "$dev.data.xml" | sed 's/.*lemma="//; s/"$//' | sort -u | paste -sd,)

run() {
  local name=$1; shift
  $wsd build-index --quiet --lemmas "$lemmas" --layers="$layers" --out "$out/$name" "$@" >/dev/null
  printf '%-34s ' "$name"
  $wsd evaluate --layers="$layers" --index "$out/$name" "$dev" --json |
    python3 -c 'import json,sys; d=json.load(sys.stdin)["datasets"]["semeval2007"]; print("F1", d["f1"])'
}

run "wordnet-only (default index)"
run "wordnet-only, no examples" --no-examples
run "semcor" --corpus "$data/semcor/semcor"
run "semcor, no propagation" --corpus "$data/semcor/semcor" --no-propagation
run "semcor, no examples" --corpus "$data/semcor/semcor" --no-examples
run "semcor, no prior" --corpus "$data/semcor/semcor" --prior-weight 0
run "semcor, no gloss half" --corpus "$data/semcor/semcor" --gloss-weight 0

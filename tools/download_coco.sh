#!/usr/bin/env bash
# Download COCO 2017 (train 18 GB, val 1 GB, annotations 241 MB) into
# DATA_DIR (default data/coco), the layout our configs expect:
#   DATA_DIR/annotations/instances_{train,val}2017.json
#   DATA_DIR/annotations/person_keypoints_{train,val}2017.json (keypoints,
#       the paper's Fig. 6; in the same annotations archive)
#   DATA_DIR/train2017/  DATA_DIR/val2017/
#
#   tools/download_coco.sh [DATA_DIR]
#
# Downloads resume where they stopped (wget -c / curl -C -); each archive is
# tested before it is unpacked, and is removed once unpacked unless KEEP_ZIPS=1.
set -euo pipefail

DATA_DIR=${1:-data/coco}
BASE=http://images.cocodataset.org
mkdir -p "$DATA_DIR"
cd "$DATA_DIR"

fetch() {
    if command -v wget > /dev/null; then
        wget -c "$1"
    else
        curl -fL -C - -O "$1"
    fi
}

for url in "$BASE/annotations/annotations_trainval2017.zip" \
           "$BASE/zips/val2017.zip" "$BASE/zips/train2017.zip"; do
    zip=$(basename "$url")
    marker=".${zip%.zip}.done"
    if [ -e "$marker" ]; then
        echo "$zip: already unpacked"
        continue
    fi
    fetch "$url"
    if ! unzip -tq "$zip" > /dev/null; then
        echo "$zip is corrupt: delete it and run again" >&2
        exit 1
    fi
    unzip -q -o "$zip"
    touch "$marker"
    [ "${KEEP_ZIPS:-0}" = 1 ] || rm -f "$zip"
done
echo "COCO 2017 is in $DATA_DIR"

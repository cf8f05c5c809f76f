#!/bin/sh
# Runs compile, simulate (trace and VCD), export-spice and train against a real 128 KiB tmpfs filled up to its last
# block, inside a private mount namespace (`unshare -rm sh test/full-disk.sh <dir> <cli.js>`), and records each run's
# exit code, stderr and the checksums of the files at the final paths in <dir>/log.
set -u
D=$1
V="node $2"
mkdir -p "$D/full"
mount -t tmpfs -o size=128k tmpfs "$D/full" || exit 97
F=$D/full
LOG=$D/log
python3 -c 'import math; print("x[0]"); [print(round(math.sin(k / 9), 6)) for k in range(300)]' > "$D/in.csv" 2>/dev/null ||
  { echo "x[0]"; seq 1 300 | sed 's/.*/0.5/'; } > "$D/in.csv"
state() { (cd "$F" && ls -a | grep -v '^filler' | tr '\n' ' '; echo; sha256sum x.pb t.csv w.vcd n.cir ck.json 2>/dev/null) > "$LOG/$1.state"; }
run() { name=$1; shift; "$@" > "$LOG/$name.out" 2> "$LOG/$name.err"; echo $? > "$LOG/$name.rc"; state "$name"; }
mkdir -p "$LOG"
# complete previous files while there is room
$V compile examples/lagline.yaml -o "$F/x.pb" > /dev/null
$V train examples/lagline.yaml --task lagline --epochs 1 --train-size 4 --test-size 1 --batch 1 \
  --checkpoint "$F/ck.json" --checkpoint-every 1 > /dev/null
for f in t.csv w.vcd n.cir; do echo "previous $f" > "$F/$f"; done
state before
# fill the disk, then free one 4 KiB block: every output below is larger, so its writes come up short
dd if=/dev/zero of="$F/filler" bs=4096 2> /dev/null
truncate -s -4096 "$F/filler"
run compile $V compile examples/mnist1d.yaml -o "$F/x.pb"
run trace $V simulate examples/lagline.yaml --input "$D/in.csv" --out "$F/t.csv"
run vcd $V simulate examples/lagline.yaml --input "$D/in.csv" --out "$D/ok.csv" --vcd "$F/w.vcd"
[ -e "$D/ok.csv" ] && echo yes > "$LOG/ok-exists" || echo no > "$LOG/ok-exists"
run spice $V export-spice examples/delayed-xor.yaml --tstop 1 -o "$F/n.cir"
# the last block too: the checkpoint (1.5 KiB) cannot be written at all
dd if=/dev/zero of="$F/filler2" bs=512 2> /dev/null
run train $V train examples/lagline.yaml --task lagline --epochs 2 --train-size 4 --test-size 1 --batch 1 \
  --checkpoint "$F/ck.json" --checkpoint-every 1 --resume

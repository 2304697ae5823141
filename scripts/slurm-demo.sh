#!/usr/bin/env bash
# A real engine, end to end: a single-node Slurm from Debian's packages (slurmctld, slurmd, munge;
# proctrack/linuxproc, task/none, everything on 127.0.0.1) runs `sbatch --array=0-3` of
#   imagepipe gallery s3://BUCKET/photos -o s3://BUCKET/site
# against SeaweedFS on loopback, each task taking its shard from Slurm's variables; then
# `imagepipe gallery merge` joins the parts, and the result is compared with the same gallery made
# in one run on this machine: the same sources, the same thumbnails byte for byte.
#
# usage: scripts/slurm-demo.sh [WORK_DIR]     (installs what is missing with apt-get and pip; root
# or sudo). Every daemon it starts listens on 127.0.0.1 only and is stopped by its PID at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/imagepipe-slurm-XXXXXX")}
mkdir -p "$work"
work=$(cd "$work" && pwd)
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"

missing=()
for tool in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client munged:munge curl:curl; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    $sudo apt-get update -q >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
[ -x .build/release/imagepipe ] || { source scripts/install-deps.sh; swift build -c release --static-swift-stdlib --product imagepipe; }
binary=$root/.build/release/imagepipe

pids=()
cleanup() {
    for pid_file in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge/munged.pid"; do
        [ -f "$pid_file" ] && kill "$(cat "$pid_file")" 2>/dev/null || true
    done
    scripts/seaweedfs.sh stop
}
trap cleanup EXIT

# Object storage: SeaweedFS, a bucket, the sources.
export SEAWEEDFS_DIR="$work/seaweedfs"
source scripts/seaweedfs.sh start
[ -n "${IMAGEPIPE_S3_TEST_ENDPOINT:-}" ] || { echo "error: SeaweedFS did not start" >&2; exit 1; }
export AWS_ACCESS_KEY_ID=$IMAGEPIPE_S3_TEST_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$IMAGEPIPE_S3_TEST_SECRET_KEY
export AWS_ENDPOINT_URL_S3=$IMAGEPIPE_S3_TEST_ENDPOINT AWS_REGION=us-east-1
s3() { curl -s -f --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$@"; }
bucket=slurm-demo
s3 -X PUT "$AWS_ENDPOINT_URL_S3/$bucket" -o /dev/null

# The sources: the shared corpus when it is beside the project, else the fixtures, each copied
# under several names, and one broken file.
sources=$work/photos
rm -rf "$sources"; mkdir -p "$sources"
if [ -d ../shared/corpus ]; then
    mapfile -t originals < <(find ../shared/corpus -maxdepth 2 -type f \( -name '*.png' -o -name '*.webp' -o -name '*.jpg' \) | sort)
else
    mapfile -t originals < <(ls Fixtures/gradient-rgb.png Fixtures/gradient-lossy.webp Fixtures/disc-rgba.png Fixtures/metadata/gps-rotated-p3.jpg)
fi
count=0
for copy in 1 2 3; do
    for original in "${originals[@]}"; do
        count=$((count + 1))
        cp "$original" "$sources/copy $copy - $(basename "$original")"
        [ $count -ge 120 ] && break 2
    done
done
head -c 100 Fixtures/gradient-rgb.png > "$sources/broken.png"
for file in "$sources"/*; do
    name=$(basename "$file")
    s3 -T "$file" "$AWS_ENDPOINT_URL_S3/$bucket/photos/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$name")" -o /dev/null
done
echo "uploaded $(ls "$sources" | wc -l) sources to s3://$bucket/photos" >&2

# Slurm on 127.0.0.1: munge with its own key and socket, the controller and one node.
mkdir -p "$work/munge" "$work/state" "$work/spool" "$work/log"
chmod 700 "$work/munge"
[ -f "$work/munge/munge.key" ] || { dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 2>/dev/null; chmod 600 "$work/munge/munge.key"; }
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" --pid-file="$work/munge/munged.pid" \
    --log-file="$work/log/munged.log" --seed-file="$work/munge/seed"
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
cat > "$work/slurm.conf" <<CONF
ClusterName=imagepipe
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=$(id -un)
SlurmctldPort=$(port)
SlurmdPort=$(port)
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=demo Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost
for _ in $(seq 60); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 0.5; done
sinfo

# The array: four tasks, one core each, the shard from SLURM_ARRAY_TASK_*.
job=$(sbatch --parsable --array=0-3 --cpus-per-task=1 --output="$work/task-%a.log" --export=ALL \
    --wrap "$binary gallery s3://$bucket/photos -o s3://$bucket/site --jobs 1")
echo "submitted array job $job" >&2
while [ -n "$(squeue -h -j "$job" 2>/dev/null)" ]; do sleep 1; done
for log in "$work"/task-*.log; do echo "== $(basename "$log")"; cat "$log"; done
"$binary" gallery merge "s3://$bucket/site"

# The same gallery in one run on this machine, and the comparison.
"$binary" gallery "$sources" -o "$work/site" --quiet || true
s3 "$AWS_ENDPOINT_URL_S3/$bucket/site/manifest.json" -o "$work/merged-manifest.json"
python3 - "$work" "$AWS_ENDPOINT_URL_S3/$bucket/site" <<'PY'
import json, subprocess, sys, os
work, base = sys.argv[1], sys.argv[2]
merged = json.load(open(os.path.join(work, "merged-manifest.json")))["sources"]
single = json.load(open(os.path.join(work, "site", "manifest.json")))["sources"]
def summary(entries):
    return sorted((e["source"], e["sha256"], tuple(t["path"] for t in e["thumbnails"])) for e in entries)
assert summary(merged) == summary(single), "the merged manifest differs from the single run's"
thumbnails = [t["path"] for e in single for t in e["thumbnails"]]
for path in thumbnails:
    remote = subprocess.run(["curl", "-s", "-f", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user",
                             os.environ["AWS_ACCESS_KEY_ID"] + ":" + os.environ["AWS_SECRET_ACCESS_KEY"],
                             base + "/" + path], capture_output=True, check=True).stdout
    assert remote == open(os.path.join(work, "site", path), "rb").read(), path
print(f"identical: {len(single)} sources, {len(thumbnails)} thumbnails, byte for byte (Slurm array of 4 + merge, against one run)")
PY

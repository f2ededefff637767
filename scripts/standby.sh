#!/usr/bin/env bash
# A hot standby of this machine's PostgreSQL on port 5433, streaming from the primary on 5432
# (`make standby`; .ci/run before the PostgreSQL tests). Run as root on a Debian PostgreSQL.
#
# Idempotent: a standby cluster already there and streaming is reused as it is (about a second);
# one that is stopped is started; one that is not a streaming standby (promoted, broken, fell too
# far behind) is dropped and cloned again with pg_basebackup -R. On the primary it only ever adds
# what streaming needs and is not there yet: a replication line in pg_hba.conf (reloaded) and
# wal_level >= replica, max_wal_senders > 0 (a restart, only if one of those had to change).
set -euo pipefail

PRIMARY_PORT=${PRIMARY_PORT:-5432}
STANDBY_PORT=${STANDBY_PORT:-5433}
NAME=${STANDBY_CLUSTER:-standby}
VERSION=${PG_VERSION:-$(pg_lsclusters -h | awk -v p="$PRIMARY_PORT" '$3 == p {print $1; exit}')}
PRIMARY_CLUSTER=$(pg_lsclusters -h | awk -v p="$PRIMARY_PORT" '$3 == p {print $2; exit}')
say() { printf 'standby: %s\n' "$*"; }
psql_at() { psql -X -q -At -h 127.0.0.1 -U postgres -p "$1" -d postgres -c "$2"; }

if [ -z "$VERSION" ] || [ -z "$PRIMARY_CLUSTER" ]; then
  echo "standby: no PostgreSQL cluster on port $PRIMARY_PORT (pg_lsclusters)" >&2
  exit 1
fi
pg_isready -q -h 127.0.0.1 -p "$PRIMARY_PORT" || pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$PRIMARY_CLUSTER" start

streaming() {
  [ "$(psql_at "$STANDBY_PORT" 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ] &&
    [ "$(psql_at "$STANDBY_PORT" "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null)" = streaming ]
}
wait_streaming() {
  for _ in $(seq 1 30); do streaming && return 0; sleep 1; done
  return 1
}

# The standby accepts the clients the primary accepts: the same pg_hba.conf.
hba=$(psql_at "$PRIMARY_PORT" 'SHOW hba_file')
sync_hba() {
  local own=/etc/postgresql/$VERSION/$NAME/pg_hba.conf
  if ! cmp -s "$hba" "$own"; then
    install -o postgres -g postgres -m 640 "$hba" "$own"
    pg_isready -q -h 127.0.0.1 -p "$STANDBY_PORT" && pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" reload
  fi
  return 0
}

# 1. Reuse what is there.
if pg_lsclusters -h | awk -v v="$VERSION" -v n="$NAME" '$1 == v && $2 == n {found=1} END {exit !found}'; then
  sync_hba
  if ! pg_isready -q -h 127.0.0.1 -p "$STANDBY_PORT"; then
    say "starting the existing cluster $VERSION/$NAME"
    pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" start || true
  fi
  if wait_streaming; then
    say "$VERSION/$NAME on port $STANDBY_PORT is streaming from port $PRIMARY_PORT (reused)"
    exit 0
  fi
  say "$VERSION/$NAME is not a streaming standby: dropping it to clone again"
  pg_dropcluster --stop "$VERSION" "$NAME"
fi

# 2. The primary: replication allowed from this machine, WAL fit for a standby.
conf_dir=/etc/postgresql/$VERSION/$PRIMARY_CLUSTER
if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+(all|postgres)[[:space:]]+127\.0\.0\.1/32' "$hba"; then
  say "adding a replication line for 127.0.0.1 to $hba"
  printf '# FedOrg standby (scripts/standby.sh): streaming replication from this machine\nhost replication postgres 127.0.0.1/32 trust\n' >>"$hba"
  psql_at "$PRIMARY_PORT" 'SELECT pg_reload_conf()' >/dev/null
fi
restart=no
if [ "$(psql_at "$PRIMARY_PORT" 'SHOW wal_level')" = minimal ]; then
  echo "wal_level = replica  # FedOrg standby" >>"$conf_dir/conf.d/fedorg-standby.conf"; restart=yes
fi
if [ "$(psql_at "$PRIMARY_PORT" 'SHOW max_wal_senders')" = 0 ]; then
  echo "max_wal_senders = 10  # FedOrg standby" >>"$conf_dir/conf.d/fedorg-standby.conf"; restart=yes
fi
if [ "$restart" = yes ]; then
  say "restarting the primary for its WAL settings"
  pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$PRIMARY_CLUSTER" restart
fi

# 3. A new cluster, its data directory replaced by a base backup of the primary; -R writes
#    standby.signal and primary_conninfo, -X stream carries the WAL written during the copy.
#    It copies the whole cluster: a few seconds for CI's test databases, minutes with big scratch
#    databases beside them (make bench-national's is ~5 GB). Only this first clone pays it.
say "cloning the primary (port $PRIMARY_PORT) into $VERSION/$NAME (port $STANDBY_PORT)"
pg_createcluster "$VERSION" "$NAME" -p "$STANDBY_PORT" >/dev/null
sync_hba
data=$(pg_conftool -s "$VERSION" "$NAME" show data_directory)
rm -rf "${data:?}"/*
runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$data" -R -X stream -c fast
# The copy carries the primary's settings files only when they live in the data directory (not on Debian);
# the standby's own postgresql.conf gives its port. A hot standby answers read-only queries (the default).
pg_conftool "$VERSION" "$NAME" set hot_standby on
pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" start
if ! wait_streaming; then
  echo "standby: $VERSION/$NAME did not start streaming; see /var/log/postgresql/postgresql-$VERSION-$NAME.log" >&2
  exit 1
fi
say "$VERSION/$NAME on port $STANDBY_PORT is streaming from port $PRIMARY_PORT"

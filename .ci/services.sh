#!/usr/bin/env bash
# Start (or stop) the real services the tests use: PostgreSQL on loopback and pcscd with vpcd.
#   source .ci/services.sh start   -> exports CT_TEST_PG_URL and CT_VPCD_PORT
#   bash .ci/services.sh stop
# Both run from private directories under ${CT_SERVICES_DIR:-/tmp/ct-services}.
set -u
CT_SERVICES_DIR=${CT_SERVICES_DIR:-/tmp/ct-services}
PG_PORT=${CT_PG_PORT:-55432}
VPCD_PORT=${CT_VPCD_PORT:-35963}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

start_pg() {
  local bin; bin=$(pg_bin)
  if [ -z "$bin" ]; then echo "services: PostgreSQL is not installed" >&2; return 1; fi
  local data="$CT_SERVICES_DIR/pg"
  mkdir -p "$CT_SERVICES_DIR"; chmod 755 "$CT_SERVICES_DIR"
  if ! su postgres -s /bin/sh -c "$bin/pg_ctl -D $data status" >/dev/null 2>&1; then
    if [ ! -f "$data/PG_VERSION" ]; then
      mkdir -p "$data"; chown postgres "$data"
      su postgres -s /bin/sh -c "$bin/initdb -D $data -A trust -U postgres -E UTF8 --locale=C.UTF-8" >"$CT_SERVICES_DIR/initdb.log" 2>&1 \
        || { cat "$CT_SERVICES_DIR/initdb.log" >&2; return 1; }
    fi
    su postgres -s /bin/sh -c "$bin/pg_ctl -D $data -l $data/server.log -w -t 60 -o '-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200' start" >/dev/null \
      || { cat "$data/server.log" >&2; return 1; }
  fi
  export CT_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "services: PostgreSQL up on 127.0.0.1:$PG_PORT"
}

start_pcscd() {
  if ! command -v pcscd >/dev/null; then echo "services: pcscd is not installed" >&2; return 1; fi
  local drv; drv=$(ls /usr/lib/pcsc/drivers/serial/libifdvpcd.so 2>/dev/null)
  if [ -z "$drv" ]; then echo "services: vsmartcard-vpcd is not installed" >&2; return 1; fi
  if pgrep -x pcscd >/dev/null; then
    echo "services: pcscd already running (pid $(pgrep -x pcscd | head -1)); using it"
  else
    local conf="$CT_SERVICES_DIR/pcsc"
    mkdir -p "$conf" /run/pcscd
    printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:%s\nLIBPATH %s\nCHANNELID %s\n' "$VPCD_PORT" "$drv" "$VPCD_PORT" > "$conf/vpcd"
    pcscd --foreground --info --config "$conf" >"$CT_SERVICES_DIR/pcscd.log" 2>&1 &
    echo $! > "$CT_SERVICES_DIR/pcscd.pid"
    for _ in $(seq 1 100); do grep -q "daemon ready" "$CT_SERVICES_DIR/pcscd.log" 2>/dev/null && break; sleep 0.1; done
    grep -q "daemon ready" "$CT_SERVICES_DIR/pcscd.log" || { cat "$CT_SERVICES_DIR/pcscd.log" >&2; return 1; }
  fi
  check_vpcd || return 1
  export CT_VPCD_PORT=$VPCD_PORT CT_PCSCD_CONFIG="$CT_SERVICES_DIR/pcsc"
  echo "services: pcscd up with vpcd on port $VPCD_PORT"
}

# The pcscd in use must have loaded the vpcd driver and be listening on our port: a pcscd
# started by someone else without it would make every PC/SC test fail for the wrong reason.
check_vpcd() {
  local pid; pid=$(pgrep -x pcscd | head -1)
  if [ -z "$pid" ] || ! grep -q libifdvpcd "/proc/$pid/maps" 2>/dev/null; then
    echo "services: pcscd (pid ${pid:-none}) has not loaded the vpcd driver; stop it and run again" >&2
    return 1
  fi
  local port; port=$(printf '%04X' "$VPCD_PORT")
  if ! awk -v p=":$port" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
    echo "services: nothing listens on the vpcd port $VPCD_PORT (is pcscd's vpcd configured for another port?)" >&2
    return 1
  fi
}

stop_all() {
  local bin; bin=$(pg_bin)
  [ -n "$bin" ] && [ -d "$CT_SERVICES_DIR/pg" ] && su postgres -s /bin/sh -c "$bin/pg_ctl -D $CT_SERVICES_DIR/pg -m fast stop" >/dev/null 2>&1
  if [ -f "$CT_SERVICES_DIR/pcscd.pid" ]; then
    local pid; pid=$(cat "$CT_SERVICES_DIR/pcscd.pid")
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    rm -f "$CT_SERVICES_DIR/pcscd.pid"
  fi
  return 0
}

case "${1:-start}" in
  start) start_pg && start_pcscd ;;
  stop) stop_all ;;
  *) echo "usage: .ci/services.sh start|stop" >&2; return 2 2>/dev/null || exit 2 ;;
esac

#!/usr/bin/env bash
# `make demo`: runs the system on this machine and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
DIST=$PWD/dist
WORK=$(mktemp -d -t zog-demo-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

echo "== the binaries"
for b in zog sprog zeus emperor; do printf '  %-8s %s  (%s)\n' "$b" "$("$DIST/$b" --version)" "$(du -h "$DIST/$b" | cut -f1)"; done

echo "== a CA and certificates"
"$DIST/zeus" certs init "$WORK/pki"
"$DIST/zeus" certs issue "$WORK/pki" MV --host 127.0.0.11

# ---- zeus and three emperors ---------------------------------------------------------
# zeus with TLS + client certificates on 127.0.0.20 hands sample vassals to three
# emperors; then an edit, a touch and a kill -9 of an emperor show what zeus does.
ZEUS_PIDS=()
zeus_demo_cleanup() {
  local pid
  for pid in "${ZEUS_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${ZEUS_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  ZEUS_PIDS=()
}
zeus_demo() {
  local Z="$WORK/zeus" ip=127.0.0.20 i
  local prev
  prev=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
  trap "zeus_demo_cleanup; $prev" EXIT
  mkdir -p "$Z/vassals"
  echo "== zeus: TLS with client certificates, three emperors"
  "$DIST/zeus" certs init "$Z/pki" >/dev/null
  "$DIST/zeus" certs issue "$Z/pki" zeus --host "$ip" >/dev/null
  for i in 1 2 3; do "$DIST/zeus" certs issue "$Z/pki" "emperor$i" >/dev/null; done

  for i in 1 2 3 4 5 6; do
    printf '[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\n' >"$Z/vassals/sleeper$i.toml"
  done
  printf '[vassal]\ncommand = "/bin/sh"\nargs = ["-c", "while :; do date; sleep 5; done"]\nnodes = 2\n' >"$Z/vassals/clock.toml"
  printf '[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\nnodes = 3\n' >"$Z/vassals/everywhere.toml"
  if command -v uwsgi >/dev/null; then
    printf 'def application(env, start_response):\n    start_response("200 OK", [("Content-Type", "text/plain")])\n    return [b"hello from a uWSGI vassal placed by zeus\\n"]\n' >"$Z/app.py"
    printf '[uwsgi]\nplugin = python3\nhttp-socket = %s:4060\nwsgi-file = %s\nmaster = true\nprocesses = 1\n' "$ip" "$Z/app.py" >"$Z/vassals/app.ini"
  fi

  "$DIST/zeus" --zeus "$ip:4040,$Z/pki/zeus.crt,$Z/pki/zeus.key,$Z/pki/ca.crt $Z/vassals" \
    --state "$Z/state.json" --stats "$ip:4041" --dead-after 2 2>"$Z/zeus.log" &
  ZEUS_PIDS+=($!)
  for i in 1 2 3; do
    "$DIST/emperor" --emperor "zeus-ssl:$ip:4040,$Z/pki/emperor$i.key" --zeus-ca "$Z/pki/ca.crt" \
      --node "emperor$i" --state-dir "$Z/emperor$i" --max-vassals 20 --heartbeat 0.5 --stats "$ip:405$i" 2>"$Z/emperor$i.log" &
    ZEUS_PIDS+=($!)
  done
  sleep 3
  "$DIST/zeus" status --stats "$ip:4041"
  if [ -e "$Z/vassals/app.ini" ] && command -v curl >/dev/null; then
    echo "-- GET http://$ip:4060/"
    curl -s --max-time 2 "http://$ip:4060/" || echo "(the uWSGI vassal did not answer; see $Z/emperor*.log)"
  fi

  echo "-- edit sleeper1.toml, touch sleeper2.toml, remove sleeper3.toml"
  printf '[vassal]\ncommand = "/bin/sleep"\nargs = ["2000"]\n' >"$Z/vassals/sleeper1.toml"
  touch "$Z/vassals/sleeper2.toml"
  rm "$Z/vassals/sleeper3.toml"
  sleep 1
  "$DIST/zeus" status --stats "$ip:4041" | sed -n '/^VASSAL/,/^$/p'

  echo "-- kill -9 emperor3: its vassals move within --dead-after (2 s) + 1 s"
  { kill -9 "${ZEUS_PIDS[3]}" && wait "${ZEUS_PIDS[3]}"; } 2>/dev/null || true
  sleep 3
  "$DIST/zeus" status --stats "$ip:4041"
  echo "-- zeus log (last lines)"
  tail -n 6 "$Z/zeus.log"
  zeus_demo_cleanup
}
zeus_demo

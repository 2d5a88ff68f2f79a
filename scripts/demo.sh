#!/usr/bin/env bash
# `make demo`: runs the system on this machine and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
DIST=$PWD/dist
WORK=$(mktemp -d -t zog-demo-XXXXXX)
PIDS=() # every background process the demo starts; killed by pid on exit
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${DEMO_KEEP:-}" ]; then echo "== kept $WORK (configs, logs, state): remove it when done"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# wait_until SECONDS WHAT CMD...: runs CMD every 0.1 s until it succeeds (at most SECONDS).
wait_until() {
  local secs=$1 what=$2 i
  shift 2
  for ((i = 0; i < secs * 10; i++)); do "$@" && return 0; sleep 0.1; done
  echo "demo: still waiting for $what after $secs s; carrying on" >&2
}
# Indents non-empty lines by two spaces.
indent() { sed '/./s/^/  /'; }

echo "== the binaries"
for b in zog sprog zeus emperor cf-messages; do printf '  %-11s %s  (%s, inode %s)\n' "$b" "$("$DIST/$b" --version)" "$(du -h "$DIST/$b" | cut -f1)" "$(stat -c %i "$DIST/$b")"; done
echo "  (one executable under five names: it runs the program it is started as)"

echo "== a CA and certificates, without openssl"
echo "  \$ zeus certs init pki && zeus certs issue pki MV --host 127.0.0.11"
{ "$DIST/zeus" certs init "$WORK/pki" && "$DIST/zeus" certs issue "$WORK/pki" MV --host 127.0.0.11; } | sed "s|$WORK/||" | indent

# ---- the ring: five zog nodes with mutual TLS, sprog sending and listening ----
RING_NAMES=(MV PA G LA S)

# wait_port HOST PORT: waits until HOST:PORT accepts connections (bash's /dev/tcp), up to 10 s.
wait_port() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "demo: nothing listens on $1:$2" >&2
  return 1
}

# True when every ring node reports its 4 peer links up.
all_links_up() {
  local i
  for i in 1 2 3 4 5; do
    [ "$("$DIST/zog" status --stats "127.0.0.1$i:55553" 2>/dev/null | awk '$3 == "up"' | wc -l)" -eq 4 ] || return 1
  done
}
# all_logged DIR N: true when every node's access.log under DIR has N lines.
all_logged() {
  local name
  for name in "${RING_NAMES[@]}"; do [ "$(cat "$1/logs/$name/access.log" 2>/dev/null | wc -l)" -ge "$2" ] || return 1; done
}

# Seed 004 on the running TLS ring (called at the end of ring_demo): CFEngine's messages:
# promise type with the real cf-agent, a request answered by a responder, and the seed's
# own text form sent with nc (each when its tool is installed).
messages_demo() {
  local ring=$1 pki=$2
  local client=(--config "$ring/ring.toml" --cert "$pki/sprog.crt" --key "$pki/sprog.key")
  local agent
  agent=$(command -v cf-agent || { [ -x /var/cfengine/bin/cf-agent ] && echo /var/cfengine/bin/cf-agent; } || true)
  if [ -n "$agent" ]; then
    echo "== CFEngine: a messages: promise (cf-messages, a promise module cf-agent starts), run twice"
    cat >"$ring/backup.cf" <<CF
promise agent messages { path => "$DIST/cf-messages"; }
body classes outcome { promise_kept => { "sent_kept" }; promise_repaired => { "sent_repaired" }; repair_failed => { "sent_failed" }; }
bundle agent main
{
  messages:
    "backup done on \$(sys.uqhost) (demo)"
      id => "backup-\$(sys.uqhost)-demo-$$",
      ring => "$ring/ring.toml", cert => "$pki/sprog.crt", key => "$pki/sprog.key",
      classes => outcome;
  reports:
    sent_repaired:: "the ring logged it now";
    sent_kept:: "the ring holds it already: not sent again";
    sent_failed:: "not kept";
}
CF
    chmod 600 "$ring/backup.cf"
    sed -n '/^bundle/,$p' "$ring/backup.cf" | sed "s|$WORK/||g" | indent
    local run
    for run in first second; do
      echo "  \$ cf-agent -KI -f backup.cf     # $run run"
      "$agent" -KI -f "$ring/backup.cf" 2>&1 | sed "s|$WORK/||g" | indent
    done
    echo "  the message in every access.log, once: $(for n in "${RING_NAMES[@]}"; do grep -c "backup done on .* (demo)" "$ring/logs/$n/access.log"; done | tr '\n' ' ')"
  else
    echo "== CFEngine: cf-agent is not installed (apt-get install cfengine3): the messages: promise is not shown"
  fi

  echo "== request/reply through the ring: a responder of service uptime on S, a request from anywhere"
  echo "  \$ sprog reply --config ring.toml --server 127.0.0.15 --service uptime -- sh -c 'echo \"up \$(cut -d. -f1 /proc/uptime) s; asked: \$(cat)\"'"
  "$DIST/sprog" reply "${client[@]}" --server 127.0.0.15 --service uptime -- sh -c 'echo "up $(cut -d. -f1 /proc/uptime) s; asked: $(cat)"' 2>"$ring/reply.err" &
  PIDS+=($!)
  wait_until 10 "the responder" grep -qs "answering uptime" "$ring/reply.err"
  echo "  \$ sprog request --config ring.toml --to uptime -m \"how long?\""
  local code=0
  "$DIST/sprog" request "${client[@]}" --to uptime -m "how long?" | indent || code=$?
  echo "  (exit $code: the responder's) the request and its reply, logged once on every node; MV's lines:"
  grep -E "@(request uptime|reply q-)" "$ring/logs/MV/access.log" | tail -n 2 | indent

  if command -v nc >/dev/null; then
    echo "== the seed's own text form: a line sent with nc, answered ok (a plain three-node ring on 127.0.0.31-33: nc speaks no TLS)"
    local plain=$WORK/plain i
    mkdir -p "$plain"
    { echo 'log_dir = "logs/{node}"'; echo 'state_dir = "state/{node}"'; for i in 1 2 3; do printf '[[node]]\nname = "P%d"\nhost = "127.0.0.3%d"\n' "$i" "$i"; done; } >"$plain/ring.toml"
    local plain_pids=()
    for i in 1 2 3; do
      "$DIST/zog" --config "$plain/ring.toml" --node "P$i" --log-level warning 2>>"$plain/zog-P$i.err" &
      PIDS+=($!)
      plain_pids+=($!)
    done
    for i in 1 2 3; do wait_port "127.0.0.3$i" 55552; done
    echo "  \$ printf '0backup done, sent with nc\\r\\n' | nc -N 127.0.0.31 55552"
    printf '0backup done, sent with nc\r\n' | nc -N 127.0.0.31 55552 | tr -d '\r' | indent
    wait_until 5 "the line on P3" grep -qs "sent with nc" "$plain/logs/P3/access.log"
    for i in 1 2 3; do echo "  P$i: $(tail -n 1 "$plain/logs/P$i/access.log")"; done
    kill "${plain_pids[@]}" 2>/dev/null || true
  else
    echo "== the seed's text form: nc is not installed (apt-get install netcat-openbsd): not shown"
  fi
}

# out_of_fds_demo: a node whose descriptors a flood of idle clients took keeps recording what
# its peer forwards, says so in one line, and serves its own clients again after the flood.
out_of_fds_demo() {
  local dir=$WORK/fds i
  mkdir -p "$dir"
  { echo 'log_dir = "logs/{node}"'; echo 'state_dir = "state/{node}"'; echo 'max_clients = 1000'; for i in 1 2; do printf '[[node]]\nname = "F%d"\nhost = "127.0.0.4%d"\n' "$i" "$i"; done; } >"$dir/ring.toml"
  echo "== a bad day: F1 under ulimit -n 128, 200 idle connections take every descriptor (a plain two-node ring on 127.0.0.41-42)"
  (ulimit -n 128 && exec "$DIST/zog" --config "$dir/ring.toml" --node F1 --log-level warning 2>>"$dir/zog-F1.err") &
  local f1=$!
  PIDS+=("$f1")
  "$DIST/zog" --config "$dir/ring.toml" --node F2 --log-level warning 2>>"$dir/zog-F2.err" &
  PIDS+=($!)
  for i in 1 2; do wait_port "127.0.0.4$i" 55552; done
  # Bash opens the connections itself (/dev/tcp) and holds them until it is killed.
  bash -c 'for i in $(seq 200); do exec {fd}<>/dev/tcp/127.0.0.41/55552; done 2>/dev/null; sleep 600' &
  local flood=$!
  PIDS+=("$flood")
  wait_until 10 "F1's shortage line" grep -qs "running out of file descriptors" "$dir/zog-F1.err"
  echo "  F1: $(grep -m 1 "running out of file descriptors" "$dir/zog-F1.err" | sed 's/^[^]]*\] //')"
  echo "  \$ sprog --server 127.0.0.42 -i 0 -n 50 -q     # to F2, which forwards each to F1"
  "$DIST/sprog" --server 127.0.0.42 -i 0 -n 50 -q
  wait_until 10 "50 lines on F1" bash -c "[ \$(wc -l <'$dir/logs/F1/access.log') -ge 50 ]"
  if kill -0 "$f1" 2>/dev/null; then echo "  F1 recorded all 50 while out of descriptors, and is still running (pid $f1)"; else echo "  F1 is gone: see $dir/zog-F1.err"; fi
  kill "$flood" 2>/dev/null || true
  echo "  the flood gone: \$ sprog --server 127.0.0.41 -n 1 -m \"after the flood\""
  wait_until 10 "F1 to serve again" "$DIST/sprog" --server 127.0.0.41 -n 1 -m "after the flood" -q
  wait_until 5 "51 lines on F2" bash -c "[ \$(wc -l <'$dir/logs/F2/access.log') -ge 51 ]"
  for i in 1 2; do echo "  F$i: $(wc -l <"$dir/logs/F$i/access.log") lines, the last: $(tail -n 1 "$dir/logs/F$i/access.log")"; done
}

ring_demo() {
  local pki=$WORK/pki ring=$WORK/ring i name host
  mkdir -p "$ring"
  for i in 0 1 2 3 4; do
    name=${RING_NAMES[$i]}
    [ -e "$pki/$name.crt" ] || "$DIST/zog" certs issue "$pki" "$name" --host "127.0.0.1$((i + 1))" >/dev/null
  done
  "$DIST/zog" certs issue "$pki" sprog >/dev/null
  echo "  issued certificates for ${RING_NAMES[*]} (127.0.0.11-15) and the sprog client"

  {
    echo 'log_dir = "logs/{node}"'
    echo 'state_dir = "state/{node}"'
    for i in 0 1 2 3 4; do printf '[[node]]\nname = "%s"\nhost = "127.0.0.1%d"\n' "${RING_NAMES[$i]}" $((i + 1)); done
    printf '[tls]\nca = "%s/ca.crt"\ncert = "%s/{node}.crt"\nkey = "%s/{node}.key"\nclient_auth = "required"\n' "$pki" "$pki" "$pki"
  } >"$ring/ring.toml"

  echo "== zog --check: ring.toml validated without starting"
  echo "  \$ zog --check --config ring.toml --node MV"
  "$DIST/zog" --check --config "$ring/ring.toml" --node MV | sed "s|$WORK/||" | indent
  printf 'keepalive = 0\n[[node]]\nname = "MV"\nhost = "not a host!"\n[[node]]\nname = "MV"\nhost = "127.0.0.12"\nport = 1\n' >"$ring/broken.toml"
  echo "  \$ zog --check --config broken.toml     # a copy with four mistakes: each one, in line order"
  out=$("$DIST/zog" --check --config "$ring/broken.toml" 2>&1) && code=0 || code=$?
  echo "$out" | sed "s|$WORK/||" | indent
  echo "  (exit $code)"

  echo "== the ring: five zog nodes on 127.0.0.11-15 with mutual TLS ($ring/ring.toml)"
  local ring_pids=()
  for i in 0 1 2 3 4; do
    name=${RING_NAMES[$i]}
    "$DIST/zog" --config "$ring/ring.toml" --node "$name" --stats "127.0.0.1$((i + 1)):55553" --log-level warning 2>>"$ring/zog-$name.err" &
    PIDS+=($!)
    ring_pids+=($!)
  done
  for i in 1 2 3 4 5; do wait_port "127.0.0.1$i" 55552; done
  wait_until 10 "the peer links" all_links_up
  sleep 2.5 # a node drops its start-up pages 2 s after starting
  echo "== memory per node once started: resident MiB, its own + pages of the executable (shared by every node); about 47 MB in all before this round"
  local rss=""
  for i in 0 1 2 3 4; do
    rss+="$(awk -v n="${RING_NAMES[$i]}" '/^RssAnon/ { a = $2 } /^RssFile/ { f = $2 } END { printf "%s %.0f+%.0f  ", n, a / 1024, f / 1024 }' "/proc/${ring_pids[$i]}/status" 2>/dev/null)"
  done
  echo "  $rss"

  local client=(--config "$ring/ring.toml" --cert "$pki/sprog.crt" --key "$pki/sprog.key")
  "$DIST/sprog" listen "${client[@]}" --server 127.0.0.11 >"$ring/listen.out" 2>"$ring/listen.err" &
  PIDS+=($!)
  for _ in $(seq 100); do grep -q "listening to" "$ring/listen.err" && break; sleep 0.05; done

  echo "== sprog: 500 random messages, 32 in flight, to random nodes"
  echo "  \$ sprog --config ring.toml --cert sprog.crt --key sprog.key -i 0 --window 32 -n 500"
  "$DIST/sprog" "${client[@]}" -i 0 --window 32 -n 500 | sed 's/^/  /'
  echo "== sprog, cron form"
  echo "  \$ sprog --config ring.toml ... -n 1 -m \"hello from the demo\""
  "$DIST/sprog" "${client[@]}" -n 1 -m "hello from the demo" | sed 's/^/  /'
  wait_until 10 "501 lines in every access.log" all_logged "$ring" 501

  echo "== zog status on MV"
  echo "  \$ zog status --stats 127.0.0.11:55553"
  "$DIST/zog" status --stats "127.0.0.11:55553" | indent
  echo "== every node, from its zog status"
  local row='  %-5s %-9s %-9s %-10s %-7s %s\n'
  # shellcheck disable=SC2059
  printf "$row" node "links up" received forwarded logged duplicates
  for i in 1 2 3 4 5; do
    "$DIST/zog" status --stats "127.0.0.1$i:55553" |
      awk -v n="${RING_NAMES[$((i - 1))]}" -v row="$row" '$3 == "up" { up++ } $1 ~ /^(received|forwarded|logged|duplicates)$/ { c[$1] = $2 }
        END { printf row, n, up + 0 "/4", c["received"], c["forwarded"], c["logged"], c["duplicates"] }'
  done

  echo "== access.log lines per node (every message once on every node: 501 each)"
  for name in "${RING_NAMES[@]}"; do printf '  %-3s %s\n' "$name" "$(wc -l <"$ring/logs/$name/access.log")"; done
  echo "  MV's last line:  $(tail -n 1 "$ring/logs/MV/access.log")"
  echo "== sprog listen on MV printed $(wc -l <"$ring/listen.out") messages (SEQ ORIGIN ID CONTENT); the last one:"
  echo "  $(tail -n 1 "$ring/listen.out")"

  echo "== a stranger without a client certificate: sprog is refused at once (exit 2, saying what to pass), MV logs who and why (once a minute per address)"
  echo "  \$ sprog --server 127.0.0.11 --ca ca.crt -n 1 -m intruder"
  "$DIST/sprog" --server 127.0.0.11 --ca "$pki/ca.crt" -n 1 -m intruder 2>&1 | indent || true
  wait_until 5 "MV's refusal line" grep -q "refused client.*no client certificate" "$ring/zog-MV.err"
  echo "  MV: $(grep -m 1 "refused client.*no client certificate" "$ring/zog-MV.err" | sed 's/^[^]]*\] //')"

  echo "== a work queue: two members of group jobs on PA share 10 jobs, each job to one of them"
  echo "  \$ sprog listen --server 127.0.0.12 --group jobs     (twice)"
  local w
  for w in 1 2; do
    "$DIST/sprog" listen "${client[@]}" --server 127.0.0.12 --group jobs >"$ring/worker$w.out" 2>"$ring/worker$w.err" &
    PIDS+=($!)
  done
  wait_until 10 "the two workers" bash -c "grep -qs 'group jobs' '$ring/worker1.err' && grep -qs 'group jobs' '$ring/worker2.err'"
  seq 1 10 | sed 's/^/job /' | "$DIST/sprog" "${client[@]}" -m - -i 0 -q
  wait_until 10 "the 10 jobs" bash -c "[ \$(cat '$ring/worker1.out' '$ring/worker2.out' | wc -l) -ge 10 ]"
  for w in 1 2; do echo "  worker $w: $(awk '{ printf "%s%s", sep, $4 " " $5; sep = ", " }' "$ring/worker$w.out")"; done

  echo "== a replay: what MV holds from its first message, then live"
  echo "  \$ sprog listen --server 127.0.0.11 --since all"
  "$DIST/sprog" listen "${client[@]}" --server 127.0.0.11 --since all >"$ring/replay.out" 2>"$ring/replay.err" &
  local replay=$!
  PIDS+=("$replay")
  wait_until 10 "the replay" grep -qs "replay done" "$ring/replay.err"
  kill "$replay"
  sed -n 's/.*\[INF\] [^ ]*: //p' "$ring/replay.err" | indent
  echo "  printed $(wc -l <"$ring/replay.out") lines, the first: $(head -n 1 "$ring/replay.out")"

  durable_demo "$ring" --ca "$pki/ca.crt" --cert "$pki/sprog.crt" --key "$pki/sprog.key"
  machine_lost_demo "$ring" "$pki" "${ring_pids[4]}"
  messages_demo "$ring" "$pki"
  out_of_fds_demo
}

# durable_demo RING TLS-FLAGS...: a durable listener that went away, listed with its lag.
durable_demo() {
  local ring=$1 audit
  shift
  echo "== durable listeners and groups are listed, with their lag: sprog durable ls, sprog group ls"
  "$DIST/sprog" listen "$@" --server 127.0.0.11 --durable audit >"$ring/audit.out" 2>"$ring/audit.err" &
  audit=$!
  PIDS+=("$audit")
  wait_until 10 "the durable listener" grep -qs "listening to" "$ring/audit.err"
  kill "$audit"
  wait "$audit" 2>/dev/null || true
  seq 1 3 | sed 's/^/while audit is away /' | "$DIST/sprog" "$@" --server 127.0.0.11 -m - -i 0 -q
  echo "  \$ sprog durable ls --server 127.0.0.11 ...     # audit stopped, 3 messages behind"
  "$DIST/sprog" durable ls "$@" --server 127.0.0.11 2>&1 | indent
  echo "  \$ sprog group ls --server 127.0.0.12 ..."
  "$DIST/sprog" group ls "$@" --server 127.0.0.12 2>&1 | indent
}

# machine_lost_demo RING PKI PID: ack = quorum, then S's machine lost (kill -9, files deleted)
# and started anew: it fetches everything from its peers; zog verify checks its access.log.
machine_lost_demo() {
  local ring=$1 pki=$2 pid=$3 before
  local tls=(--ca "$pki/ca.crt" --cert "$pki/sprog.crt" --key "$pki/sprog.key")
  echo "== ack = quorum: ok only once a majority of the ring has each message on disk"
  echo "  \$ sprog --server 127.0.0.15 ... --ack quorum -n 20 -i 0 --window 8"
  "$DIST/sprog" --server 127.0.0.15 "${tls[@]}" --ack quorum -n 20 -i 0 --window 8 | indent
  before=$(wc -l <"$ring/logs/MV/access.log")
  echo "== S's machine lost right after those oks: kill -9, its state and log folders deleted, started again"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  rm -rf "$ring/state/S" "$ring/logs/S"
  "$DIST/zog" --config "$ring/ring.toml" --node S --stats 127.0.0.15:55553 --log-level info 2>"$ring/zog-S-again.err" &
  PIDS+=($!)
  wait_until 20 "S catching up" all_logged "$ring" "$before"
  wait_until 10 "S's catch-up line" grep -qs "catch-up from the peers" "$ring/zog-S-again.err"
  grep "catching up\|catch-up from" "$ring/zog-S-again.err" | sed 's/^[^]]*\] //' | indent
  echo "  access.log lines: $(for n in "${RING_NAMES[@]}"; do printf '%s %s  ' "$n" "$(wc -l <"$ring/logs/$n/access.log")"; done)"
  echo "  \$ zog verify --config ring.toml --node S --peer 127.0.0.11:55551"
  "$DIST/zog" verify --config "$ring/ring.toml" --node S --peer 127.0.0.11:55551 2>&1 | sed "s|$WORK/||" | indent || true
}
ring_demo
# ---- end of the ring part ----

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
# zeus_states ADDR: "NAME STATE" for each vassal row of `zeus status`.
zeus_states() { "$DIST/zeus" status --stats "$1" 2>/dev/null | awk '/^VASSAL/ { on = 1; next } on && NF == 0 { on = 0 } on { print $1, $2 }'; }
# zeus_all_running ADDR N: true when zeus lists N vassals, every one running.
zeus_all_running() {
  local states
  states=$(zeus_states "$1")
  [ "$(grep -c . <<<"$states")" -eq "$2" ] && ! grep -qv ' running$' <<<"$states" && zeus_reports_agree "$1"
}
# zeus_reports_agree ADDR: every live emperor's heartbeat (RUNNING) counts what zeus assigned it.
zeus_reports_agree() {
  "$DIST/zeus" status --stats "$1" 2>/dev/null |
    awk '/^EMPEROR/ { on = 1; next } on && NF == 0 { exit } on { sub(/ \((draining|drained)\)/, ""); $0 = $0 } on && $2 == "yes" && $5 != $6 { bad = 1 } END { exit bad }'
}
# zeus_counter ADDR NAME: a counter from the last line of `zeus status`.
zeus_counter() { "$DIST/zeus" status --stats "$1" 2>/dev/null | sed -n "s/.*[ :]$2=\([0-9]*\).*/\1/p"; }

# zeus_row ADDR NAME: NAME's row of the vassal table.
zeus_row() { "$DIST/zeus" status --stats "$1" 2>/dev/null | grep "^$2 "; }
# emperor_rows ADDR: the emperor table.
emperor_rows() { "$DIST/zeus" status --stats "$1" 2>/dev/null | sed -n '/^EMPEROR/,/^$/p' | sed '/^$/d'; }

# The fleet operations (SPEC section 4), run inside zeus_demo: a drain and two rolling updates.
fleet_demo() {
  local m=$((n - 1)) # sleeper3 was removed
  echo "-- a fourth emperor joins (nothing moves to it by itself); then one emperor is drained"
  "$DIST/emperor" --emperor "zeus-ssl:$ip:4040,$Z/pki/emperor4.key" --zeus-ca "$Z/pki/ca.crt" \
    --node emperor4 --state-dir "$Z/emperor4" --max-vassals 20 --heartbeat 0.5 --label zone=a 2>"$Z/emperor4.log" &
  ZEUS_PIDS+=($!)
  e4_alive() { emperor_rows "$ip:4041" | grep -qE '^emperor4 +yes'; }
  wait_until 10 "emperor4" e4_alive
  # Not the one with the uWSGI app: its copy would need the same port as the old one.
  local node=emperor1
  zeus_row "$ip:4041" app.ini | grep -q 'emperor1(' && node=emperor3
  echo "  \$ zeus drain [TLS flags] $node"
  "$DIST/zeus" drain "${admin[@]}" "$node" 2>&1 | indent
  draining() { emperor_rows "$ip:4041" | grep -qE "^$node +yes \(draining\)"; }
  wait_until 5 "$node draining" draining
  emperor_rows "$ip:4041" | indent
  drained() { emperor_rows "$ip:4041" | grep -qE "^$node +yes \(drained\)" && zeus_all_running "$ip:4041" "$m"; }
  local t0=$SECONDS
  wait_until 30 "$node drained" drained
  echo "  drained in about $((SECONDS - t0)) s: each copy's replacement ran for min_healthy (1 s) before the old copy stopped"
  "$DIST/zeus" status --stats "$ip:4041" | sed '/^  counters/d' | indent
  echo "  every copy moved off $node, one at a time (counters: moved=$(zeus_counter "$ip:4041" moved)); nothing new lands there"
  echo "  \$ zeus undrain [TLS flags] $node"
  "$DIST/zeus" undrain "${admin[@]}" "$node" 2>&1 | indent
  emperor_rows "$ip:4041" | grep -E "^(EMPEROR|$node) " | indent
  echo "  $node is eligible again; nothing moves back by itself"

  echo "-- zeus restart: one vassal restarted by its rule, without touching its file"
  local before after
  before=$(zeus_row "$ip:4041" sleeper2.toml | grep -o '([0-9]*)' | head -n 1 | tr -d '()')
  echo "  \$ zeus restart [TLS flags] sleeper2.toml"
  "$DIST/zeus" restart "${admin[@]}" sleeper2.toml 2>&1 | indent
  restarted() { after=$(zeus_row "$ip:4041" sleeper2.toml | grep -o '([0-9]*)' | head -n 1 | tr -d '()') && [ -n "$after" ] && [ "$after" != "$before" ] && zeus_all_running "$ip:4041" "$m"; }
  wait_until 10 "sleeper2.toml restarted" restarted
  echo "  sleeper2.toml's pid $before became $after"

  if [ -e "$Z/vassals/web.toml" ]; then
    echo "-- a drain that cannot finish: web.toml may only run where zone=b (emperor2 alone)"
    echo "   so its copy is never stopped without a replacement; the drain says it is blocked,"
    echo "   and at its deadline the copies left are stopped (forced)"
    echo "  \$ zeus drain [TLS flags] emperor2 --deadline 8s --wait"
    local dcode=0
    "$DIST/zeus" drain "${admin[@]}" emperor2 --deadline 8s --wait 2>&1 | indent || dcode=$?
    echo "  (exit code $dcode: the drain ended forced)"
    grep -h 'drain of emperor2' "$Z/zeus.log" | sed 's/^[^]]*\] //' | indent
    echo "  \$ zeus undrain [TLS flags] emperor2"
    "$DIST/zeus" undrain "${admin[@]}" emperor2 2>&1 | indent
    wait_until 15 "web.toml back on emperor2" zeus_all_running "$ip:4041" "$m"
    zeus_row "$ip:4041" web.toml | indent
  fi

  echo "-- a rolling update: clock.toml (nodes = 2, [vassal.update] max_parallel = 1, min_healthy = 1, auto_revert = true)"
  echo "   gets a new command: one copy at a time, each running 1 s before the next"
  echo "  clock.toml's row of zeus status, each time it changed while the update rolled:"
  clock_toml 'while :; do echo tick; sleep 5; done' >"$Z/vassals/clock.toml"
  rolled() { grep -q 'rollout of clock.toml done' "$Z/zeus.log" && zeus_all_running "$ip:4041" "$m"; }
  # Rows fetched one at a time, so their column widths are set here (columns: 2+ spaces apart).
  cols() { awk -F '  +' '{ printf "  %-11s %-9s %-6s %-40s %-8s %s\n", $1, $2, $3, $4, $5, $6 }'; }
  "$DIST/zeus" status --stats "$ip:4041" | grep '^VASSAL ' | cols
  local row last="" end=$((SECONDS + 20))
  until rolled || [ $SECONDS -ge $end ]; do
    row=$(zeus_row "$ip:4041" clock.toml || true)
    [ -n "$row" ] && [ "$row" != "$last" ] && echo "$row" | cols && last=$row
    sleep 0.1
  done
  rolled || echo "demo: clock.toml's rollout did not finish within 20 s; carrying on" >&2
  row=$(zeus_row "$ip:4041" clock.toml || true)
  [ "$row" != "$last" ] && echo "$row" | cols
  grep -h 'rollout of clock.toml' "$Z/zeus.log" | sed 's/^[^]]*\] //' | indent
  echo "  both copies run the new config (new pids), never both down at once; the NOTE is clear again"

  echo "-- a bad update: its command exits at once; the first copy fails on it, the rollout stops"
  echo "   (saying why, with the copy's last line on stderr), and auto_revert gives that copy the last"
  echo "   config that ran well (the other copy is never touched)"
  clock_toml 'echo clock: no such timezone: Mars/Olympus >&2; exit 1' >"$Z/vassals/clock.toml"
  reverted() { zeus_row "$ip:4041" clock.toml | grep -q 'rollout reverted' && zeus_all_running "$ip:4041" "$m"; }
  wait_until 15 "clock.toml's revert" reverted
  "$DIST/zeus" status --stats "$ip:4041" | grep -E '^(VASSAL|clock\.toml) ' | indent
  grep -h 'rollout of clock.toml stopped' "$Z/zeus.log" | sed 's/^[^]]*\] //' | indent
  echo "  both copies run the good config again; the NOTE says why until clock.toml changes again"
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
  for i in 1 2 3 4; do "$DIST/zeus" certs issue "$Z/pki" "emperor$i" >/dev/null; done
  "$DIST/zeus" certs issue "$Z/pki" ops >/dev/null

  # min_healthy = 1 ([vassal.update], default 10 s): drains and rollouts below wait 1 s per copy.
  local fast='[vassal.update]\nmin_healthy = 1\n'
  for i in 1 2 3 4 5 6; do
    printf '[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\n%b' "$fast" >"$Z/vassals/sleeper$i.toml"
  done
  clock_toml() { printf '[vassal]\ncommand = "/bin/sh"\nargs = ["-c", "%s"]\nnodes = 2\n[vassal.update]\nmax_parallel = 1\nmin_healthy = 1\nauto_revert = true\n' "$1"; }
  clock_toml 'while :; do date; sleep 5; done' >"$Z/vassals/clock.toml"
  printf '[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\nnodes = 3\n%b' "$fast" >"$Z/vassals/everywhere.toml"
  if command -v uwsgi >/dev/null; then
    printf 'def application(env, start_response):\n    start_response("200 OK", [("Content-Type", "text/plain")])\n    return [b"hello from a uWSGI vassal placed by zeus\\n"]\n' >"$Z/app.py"
    printf '[uwsgi]\nplugin = python3\nhttp-socket = %s:4060\nwsgi-file = %s\nmaster = true\nprocesses = 1\n' "$ip" "$Z/app.py" >"$Z/vassals/app.ini"
  fi

  local py
  py=$(command -v python3 || true)
  if [ -n "$py" ]; then
    mkdir -p "$Z/www" && echo ok >"$Z/www/health"
    printf '[vassal]\ncommand = "%s"\nargs = ["-m", "http.server", "--bind", "%s", "4061"]\ncwd = "%s"\ncheck = "http://%s:4061/health"\ncheck_interval = 0.5\ncheck_grace = 0\ncheck_failures = 2\nconstraints = ["zone=b"]\n' \
      "$py" "$ip" "$Z/www" "$ip" >"$Z/vassals/web.toml"
  fi

  "$DIST/zeus" --zeus "$ip:4040,$Z/pki/zeus.crt,$Z/pki/zeus.key,$Z/pki/ca.crt $Z/vassals" \
    --state "$Z/state.json" --stats "$ip:4041" --dead-after 2 --admin ops 2>"$Z/zeus.log" &
  ZEUS_PIDS+=($!)
  wait_port "$ip" 4040
  for i in 1 2 3; do
    "$DIST/emperor" --emperor "zeus-ssl:$ip:4040,$Z/pki/emperor$i.key" --zeus-ca "$Z/pki/ca.crt" \
      --node "emperor$i" --state-dir "$Z/emperor$i" --max-vassals 20 --heartbeat 0.5 --stats "$ip:405$i" \
      --label "zone=$([ "$i" = 2 ] && echo b || echo a)" 2>"$Z/emperor$i.log" &
    ZEUS_PIDS+=($!)
  done
  local n=8
  [ -e "$Z/vassals/app.ini" ] && n=$((n + 1))
  [ -e "$Z/vassals/web.toml" ] && n=$((n + 1))
  wait_until 20 "$n running vassals" zeus_all_running "$ip:4041" "$n"
  web_healthy() { "$DIST/zeus" status --stats "$ip:4041" | grep -q '^web.toml .*,healthy'; }
  [ -e "$Z/vassals/web.toml" ] && wait_until 10 "web.toml's check to pass" web_healthy
  echo "  \$ zeus status --stats $ip:4041"
  "$DIST/zeus" status --stats "$ip:4041" | indent
  echo "-- one emperor's own view"
  echo "  \$ emperor status --stats $ip:4051"
  "$DIST/emperor" status --stats "$ip:4051" | indent
  if [ -e "$Z/vassals/app.ini" ] && command -v curl >/dev/null; then
    echo "-- GET http://$ip:4060/"
    curl -s --max-time 2 "http://$ip:4060/" || echo "(the uWSGI vassal did not answer; see $Z/emperor*.log)"
  fi

  echo "-- zeus exec and zeus logs, as the admin client \"ops\" (zeus --admin ops; its certificate)"
  local admin=(--zeus "$ip:4040" --ca "$Z/pki/ca.crt" --cert "$Z/pki/ops.crt" --key "$Z/pki/ops.key") code=0
  echo "  \$ zeus exec [TLS flags] clock.toml -- sh -c 'echo \"in \$PWD, pid \$\$\"; echo oops >&2; exit 3'"
  "$DIST/zeus" exec "${admin[@]}" clock.toml -- sh -c 'echo "in $PWD, pid $$"; echo oops >&2; exit 3' 2>&1 | indent || code=$?
  echo "  (exit code $code: the remote command's)"
  echo "  \$ zeus logs [TLS flags] -n 2 clock.toml@emperor2     # the last lines of that copy's log"
  "$DIST/zeus" logs "${admin[@]}" -n 2 clock.toml@emperor2 2>&1 | indent || true
  echo "  \$ zeus exec with emperor1's certificate: not an admin"
  "$DIST/zeus" exec --zeus "$ip:4040" --ca "$Z/pki/ca.crt" --cert "$Z/pki/emperor1.crt" --key "$Z/pki/emperor1.key" \
    clock.toml -- true 2>&1 | indent || code=$?
  echo "  (exit code $code: refused)"

  echo "-- edit sleeper1.toml, touch sleeper2.toml, remove sleeper3.toml"
  printf '[vassal]\ncommand = "/bin/sleep"\nargs = ["2000"]\n%b' "$fast" >"$Z/vassals/sleeper1.toml"
  touch "$Z/vassals/sleeper2.toml"
  rm "$Z/vassals/sleeper3.toml"
  edits_done() { [ "$(zeus_counter "$ip:4041" destroyed)" = 1 ] && [ "$(zeus_counter "$ip:4041" reloads)" = 1 ] && zeus_all_running "$ip:4041" $((n - 1)); }
  wait_until 10 "the edit, touch and removal" edits_done
  echo "  sleeper1 restarted with its new config (new pid), sleeper2 reloaded (a plain vassal reloads by restarting), sleeper3 stopped:"
  "$DIST/zeus" status --stats "$ip:4041" | sed -n '/^VASSAL/,/^$/p' | indent

  if [ -e "$Z/vassals/web.toml" ]; then
    echo "-- web.toml: constraints = [\"zone=b\"] put it on emperor2 (--label zone=b); its HTTP check fails once"
    echo "   /health is gone: after check_failures = 2 failures its emperor restarts it (RESTARTS counts it)"
    rm "$Z/www/health"
    # Seen at any point after the first restart: the copy may be starting again or failing anew by then.
    web_restarted() { "$DIST/zeus" status --stats "$ip:4041" | grep -qE '^web\.toml +[a-z]+ +1/1 +emperor2\([^)]*\)[^ ]* +[1-9]'; }
    wait_until 10 "web.toml restarted for failing its check" web_restarted
    "$DIST/zeus" status --stats "$ip:4041" | sed -n '/^VASSAL/p;/^web.toml/p' | indent
    echo ok >"$Z/www/health"
    wait_until 10 "web.toml healthy again" web_healthy
  fi

  fleet_demo

  echo "-- kill -9 emperor3 and emperor4: their connections drop, so zeus moves their vassals at once"
  echo "   (an emperor that hangs instead is declared dead after --dead-after, 2 s here)"
  { kill -9 "${ZEUS_PIDS[3]}" "${ZEUS_PIDS[4]}" && wait "${ZEUS_PIDS[3]}" "${ZEUS_PIDS[4]}"; } 2>/dev/null || true
  moved() { [ "$(zeus_states "$ip:4041" | grep -cv ' running$')" -eq 1 ] && zeus_states "$ip:4041" | grep -q '^everywhere.toml partial$' && zeus_reports_agree "$ip:4041"; }
  wait_until 10 "emperor3's and emperor4's vassals to move" moved
  "$DIST/zeus" status --stats "$ip:4041" | indent
  echo "-- zeus log (last lines)"
  tail -n 6 "$Z/zeus.log" | indent
  zeus_demo_cleanup
}
zeus_demo

# ---- several zeus: one etcd, three zeus (127.0.0.16-18), two emperors ------------------
ha_leader() {
  local i
  for i in 16 17 18; do curl -sf "http://127.0.0.$i:4041/healthz" >/dev/null 2>&1 && echo "$i" && return 0; done
  return 1
}
ha_has_leader() { ha_leader >/dev/null; }
# The keys of the zeus state in etcd, read through etcd's JSON gateway (keys travel as base64).
ha_state_keys() {
  curl -s -X POST http://127.0.0.19:2379/v3/kv/range \
    -d "{\"key\":\"$(printf /demo/state/ | base64)\",\"range_end\":\"$(printf /demo/state0 | base64)\",\"keys_only\":true}" |
    grep -o '"key":"[^"]*"' | cut -d'"' -f4 | while read -r k; do printf '%s' "$k" | base64 -d; printf ' '; done
  echo
}
ha_demo() {
  local H="$WORK/ha" i leader
  if ! command -v etcd >/dev/null; then
    echo "== several zeus: skipped (etcd is not installed: apt-get install etcd-server)"
    return 0
  fi
  local prev
  prev=$(trap -p EXIT | sed "s/^trap -- '\(.*\)' EXIT$/\1/")
  trap "zeus_demo_cleanup; $prev" EXIT
  mkdir -p "$H/vassals"
  for i in 1 2 3 4; do printf '[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\n' >"$H/vassals/s$i.toml"; done
  echo "== several zeus: three zeus on one etcd prefix elect a leader; kill -9 of it hands over"
  etcd --name demo --data-dir "$H/etcd" --listen-client-urls http://127.0.0.19:2379 --advertise-client-urls http://127.0.0.19:2379 \
    --listen-peer-urls http://127.0.0.19:2380 --initial-advertise-peer-urls http://127.0.0.19:2380 \
    --initial-cluster demo=http://127.0.0.19:2380 --log-level error 2>"$H/etcd.log" &
  ZEUS_PIDS+=($!)
  wait_port 127.0.0.19 2379
  local -A zpid=()
  for i in 16 17 18; do
    "$DIST/zeus" --listen "127.0.0.$i:4040" --vassals "$H/vassals" --state etcd://127.0.0.19:2379/demo \
      --stats "127.0.0.$i:4041" --dead-after 2 2>"$H/zeus$i.log" &
    ZEUS_PIDS+=($!)
    zpid[$i]=$!
  done
  for i in 1 2; do
    "$DIST/emperor" --emperor zeus:127.0.0.16:4040 --emperor zeus:127.0.0.17:4040 --emperor zeus:127.0.0.18:4040 \
      --node "ha$i" --state-dir "$H/emperor$i" --heartbeat 0.5 2>"$H/emperor$i.log" &
    ZEUS_PIDS+=($!)
  done
  echo "  \$ zeus --listen 127.0.0.X:4040 --vassals DIR --state etcd://127.0.0.19:2379/demo --dead-after 2   # X = 16, 17, 18"
  echo "  \$ emperor --emperor zeus:127.0.0.16:4040 --emperor zeus:127.0.0.17:4040 --emperor zeus:127.0.0.18:4040"
  wait_until 20 "a leader" ha_has_leader
  leader=$(ha_leader)
  wait_until 20 "4 running vassals" zeus_all_running "127.0.0.$leader:4041" 4
  local standby=16
  [ "$leader" = 16 ] && standby=17
  echo "  \$ zeus status --stats 127.0.0.$standby:4041     # a standby"
  "$DIST/zeus" status --stats "127.0.0.$standby:4041" | sed -n '1,3p' | indent
  echo "  \$ curl http://127.0.0.$standby:4041/healthz"
  curl -s -w '(HTTP %{http_code})\n' "http://127.0.0.$standby:4041/healthz" | indent
  echo "  the vassals, at the leader:"
  "$DIST/zeus" status --stats "127.0.0.$leader:4041" | sed -n '/^VASSAL/,/^$/p' | indent
  echo "  the state in etcd: one key per emperor and per vassal, a change writes only its own keys:"
  ha_state_keys | fold -s -w 100 | indent
  echo "-- kill -9 the leader (127.0.0.$leader): a standby takes over within the TTL (2 s) plus a second"
  local t0=$SECONDS
  { kill -9 "${zpid[$leader]}" && wait "${zpid[$leader]}"; } 2>/dev/null || true
  unset "zpid[$leader]"
  wait_until 10 "a new leader" ha_has_leader
  local next elected=$((SECONDS - t0))
  next=$(ha_leader)
  wait_until 15 "the emperors at the new leader" zeus_all_running "127.0.0.$next:4041" 4
  echo "  new leader 127.0.0.$next within about ${elected} s; the emperors followed it, and every vassal kept its pid:"
  "$DIST/zeus" status --stats "127.0.0.$next:4041" | sed -n '1,2p;/^VASSAL/,/^$/p' | indent
  zeus_demo_cleanup
}
ha_demo

# ---- the fleet at scale: zeus with 500 simulated emperors (bench/zeus_scale.ts) -----------
echo "== zeus at fleet scale: 20 000 vassals on 500 simulated emperors (real connections, the real protocol, no processes; docs/scale.md)"
echo "   a web console stays open meanwhile: beyond 1 000 vassals it gets the counts and what needs an operator"
echo "  \$ VASSALS=20000 EMPERORS=500 SHOW_STATUS=1 CONSOLE=1 QUIET=0 make bench-scale"
# QUIET=0: no minute spent waiting for zeus to give memory back (docs/scale.md has those figures).
VASSALS=20000 EMPERORS=500 SHOW_STATUS=1 CONSOLE=1 QUIET=0 node_modules/.bin/bun run bench/zeus_scale.ts 2>&1 |
  awk 'NF == 0 { next } /^e[0-9]+ / { if (++rows > 3) { more++; next } } /^emperors:/ && more { print "...      (" more " more emperor rows)" } { print }' | indent
echo "== done: every process the demo started is stopped${DEMO_KEEP:+; DEMO_KEEP set, so the files stay}"

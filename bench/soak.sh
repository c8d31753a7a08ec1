# Latchkey soak test: sourced by `bench/run.sh --soak` once Latchkey runs and is seeded; it
# uses run.sh's variables (LK_PID, LK_PORT, APP_ID, ACCESS, REFRESH, KEYS, KEY_ID, OUT, LOGS,
# THREADS, WRK_TIMEOUT, JCMD, SOAK_*) and helpers (log, now_ms, rss_mb, check_alive). Not meant to
# be run by itself. See bench/README.md, "Soak test".
#
# One wrk run of SOAK_SECONDS with bench/wrk/mixed.lua (paced by SOAK_DELAY_MS per request per
# connection, SOAK_CONNS connections), the server's RSS (and heap used, through jcmd, when the
# JVM lets jcmd attach; SOAK_HEAP=0 skips it) sampled every 10 s into target/bench/soak-rss.csv,
# then a summary on stdout, appended to target/bench/soak.md. Returns non-zero when wrk failed,
# any answer was not 2xx, any socket error happened, or the RSS was not flat: RSS at the end
# above the RSS at 60 s + max(15 %, 40 MB).

SOAK_WRK_PID=""   # run.sh's cleanup stops it on an early exit
SOAK_HEAP_OK=""   # "", 1 (jcmd works) or 0 (it does not, or SOAK_HEAP=0)

soak_heap_mb() { # pid -> heap used in MB (sum of the "total ..K, used ..K" lines), or ""
  local out
  [ "${SOAK_HEAP:-1}" != 0 ] && [ "$SOAK_HEAP_OK" != 0 ] || { echo ""; return 0; }
  out=$(timeout 10 "$JCMD" "$1" GC.heap_info 2>/dev/null || true)
  awk '/total [0-9]+K, used [0-9]+K/ {
         for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); kb += v; n++ }
       }
       END { if (n > 0) printf "%.0f", kb / 1024 }' <<<"$out"
}

soak_sample() { # csv t0_ms: appends "seconds,rss_mb,heap_used_mb"
  local csv=$1 t0=$2 s rss heap
  s=$(( ($(now_ms) - t0 + 500) / 1000 ))
  rss=$(rss_mb "$LK_PID")
  heap=$(soak_heap_mb "$LK_PID")
  if [ -z "$SOAK_HEAP_OK" ]; then
    if [ -n "$heap" ]; then SOAK_HEAP_OK=1; else SOAK_HEAP_OK=0
      [ "${SOAK_HEAP:-1}" = 0 ] || log "soak: jcmd GC.heap_info gave nothing; sampling RSS only"
    fi
  fi
  echo "$s,$rss,$heap" >> "$csv"
}

run_soak() {
  local lua=$ROOT/bench/wrk/mixed.lua csv=$OUT/soak-rss.csv wrk_log=$LOGS/wrk-soak.txt
  local t0 next rc=0 line failed=0 status=0
  echo "seconds,rss_mb,heap_used_mb" > "$csv"

  log "soak: ${SOAK_SECONDS}s of mixed traffic: wrk -t$THREADS -c$SOAK_CONNS, ${SOAK_DELAY_MS} ms" \
    "delay per request per connection; RSS every 10 s to target/bench/soak-rss.csv"
  env BENCH_REFRESH="$REFRESH" BENCH_ACCESS="$ACCESS" BENCH_APP="$APP_ID" BENCH_KEYS="$KEYS" \
    BENCH_KEY_ID="$KEY_ID" BENCH_DELAY_MS="$SOAK_DELAY_MS" \
    timeout -k 5 $(( SOAK_SECONDS + 30 )) wrk -t"$THREADS" -c"$SOAK_CONNS" -d"${SOAK_SECONDS}s" \
    --timeout "$WRK_TIMEOUT" --latency -s "$lua" "http://127.0.0.1:$LK_PORT" \
    > "$wrk_log" 2>&1 < /dev/null &
  SOAK_WRK_PID=$!
  t0=$(now_ms)
  soak_sample "$csv" "$t0"
  next=10
  while kill -0 "$SOAK_WRK_PID" 2>/dev/null; do
    sleep 0.5
    if [ $(( $(now_ms) - t0 )) -ge $(( next * 1000 )) ] && kill -0 "$SOAK_WRK_PID" 2>/dev/null; then
      soak_sample "$csv" "$t0"
      [ $(( next % 60 )) != 0 ] || log "soak: ${next}s, RSS $(tail -n 1 "$csv" | cut -d, -f2) MB"
      next=$(( next + 10 ))
    fi
  done
  wait "$SOAK_WRK_PID" || rc=$?
  SOAK_WRK_PID=""
  local alive=1
  kill -0 "$LK_PID" 2>/dev/null || alive=0
  if [ "$alive" = 1 ]; then
    soak_sample "$csv" "$t0"   # the end
  else
    log "soak: Latchkey died during the soak; last lines of $LOGS/latchkey.log:"
    tail -n 30 "$LOGS/latchkey.log" >&2 || true
  fi

  line=$(sed -n 's/^BENCH_RESULT //p' "$wrk_log" | head -n 1)
  if [ "$rc" != 0 ] || [ -z "$line" ] || ! jq -e . >/dev/null 2>&1 <<<"$line"; then
    log "soak: wrk failed (exit $rc); see $wrk_log"
    tail -n 20 "$wrk_log" >&2 || true
    failed=1
    line='{"requests":0,"rps":0,"p50_us":0,"p99_us":0,"max_us":0,"non2xx":0,"errors":{"connect":0,"read":0,"write":0,"timeout":0},"statuses":{},"samples":{}}'
  fi

  local requests rps p50 p99 pmax non2xx sock sock_detail statuses bad
  requests=$(jq -r '.requests' <<<"$line")
  rps=$(jq -r '.rps * 10 | round / 10' <<<"$line")
  p50=$(jq -r '.p50_us / 1000 | . * 100 | round / 100' <<<"$line")
  p99=$(jq -r '.p99_us / 1000 | . * 100 | round / 100' <<<"$line")
  pmax=$(jq -r '.max_us / 1000 | . * 100 | round / 100' <<<"$line")
  non2xx=$(jq -r '.non2xx' <<<"$line")
  sock=$(jq -r '.errors | .connect + .read + .write + .timeout' <<<"$line")
  sock_detail=$(jq -r '.errors | "connect \(.connect), read \(.read), write \(.write), timeout \(.timeout)"' <<<"$line")
  statuses=$(jq -r '.statuses | to_entries | sort_by(.key) | map("\(.key): \(.value)") | join(", ")' <<<"$line")
  bad=$(jq -r '.statuses | to_entries | map(select((.key | tonumber) < 200 or (.key | tonumber) > 299))
               | sort_by(.key) | map("\(.key): \(.value)") | join(", ")' <<<"$line")

  # RSS: the baseline is the first sample at or after 60 s (the JVM has warmed up by then),
  # or the last one when the soak is shorter; the end is the sample taken after wrk ended.
  local base base_s end end_s max max_s min series heap_series limit
  base_s=""; base=""; end_s=""; end=""; max_s=""; max=""; min=""
  read -r base_s base < <(awk -F, 'NR > 1 && $2 ~ /^[0-9]+$/ { last = $1 " " $2
                                   if (!f && $1 >= 60) { print $1, $2; f = 1 } }
                                   END { if (!f) print last }' "$csv") || true
  read -r end_s end < <(awk -F, 'NR > 1 && $2 ~ /^[0-9]+$/ { last = $1 " " $2 } END { print last }' "$csv") || true
  read -r max_s max min < <(awk -F, 'NR > 1 && $2 ~ /^[0-9]+$/ {
                                   if ($2 + 0 > m + 0 || m == "") { m = $2; ms = $1 }
                                   if ($2 + 0 < n + 0 || n == "") n = $2 }
                                   END { print ms, m, n }' "$csv") || true
  series=$(awk -F, 'NR > 1 { printf "%s%s", (NR > 2 ? " " : ""), $2 }' "$csv")
  heap_series=$(awk -F, 'NR > 1 && $3 != "" { printf "%s%s", (s++ ? " " : ""), $3 }' "$csv")
  local mem_ok=0 err_ok=0 lk_errors
  if [[ "$base" =~ ^[0-9]+$ && "$end" =~ ^[0-9]+$ ]]; then
    limit=$(awk -v b="$base" 'BEGIN { d = b * 0.15; if (d < 40) d = 40; printf "%.0f", b + d }')
    [ "$end" -le "$limit" ] && mem_ok=1
  else
    limit="?"
  fi
  [ "$alive" = 1 ] && [ "$failed" = 0 ] && [ "$requests" -gt 0 ] && [ "$non2xx" = 0 ] && [ "$sock" = 0 ] && err_ok=1
  lk_errors=$(grep -c ' ERROR ' "$LOGS/latchkey.log" || true)
  pf() { if [ "$1" = 1 ]; then echo PASS; else echo FAIL; fi; }

  {
    echo "## Latchkey soak, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Commit $LK_COMMIT, $(nproc) cores, $JAVA_VERSION, ${LATCHKEY_JAVA_OPTS:-default JVM flags};" \
      "wrk -t$THREADS -c$SOAK_CONNS -d${SOAK_SECONDS}s --timeout $WRK_TIMEOUT, ${SOAK_DELAY_MS} ms delay" \
      "per request per connection; mix (bench/wrk/mixed.lua): list keys, profile, session refresh," \
      "api-key login over 5 keys, every 50th request enable key; all on 127.0.0.1."
    echo
    echo "| requests | req/s | p50 ms | p99 ms | max ms | non-2xx | socket errors |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
    echo "| $requests | $rps | $p50 | $p99 | $pmax | $non2xx | $sock |"
    echo
    echo "- Statuses: ${statuses:-none}"
    echo "- Non-2xx by status: ${bad:-none}"
    echo "- Socket errors: $sock_detail"
    echo "- RSS MB (every 10 s, target/bench/soak-rss.csv): at ${base_s:-?} s ${base:-?}," \
      "at the end (${end_s:-?} s) ${end:-?}, max ${max:-?} (at ${max_s:-?} s), min ${min:-?}"
    echo "- RSS series MB: $series"
    if [ -n "$heap_series" ]; then
      echo "- Heap used MB (jcmd GC.heap_info, informational): $heap_series"
    fi
    echo "- ERROR lines in target/bench/logs/latchkey.log: $lk_errors"
    if [ "$non2xx" != 0 ]; then
      echo "- First bodies of non-2xx answers:"
      jq -r '.samples | to_entries[] | "  - \(.key): `\(.value | gsub("[\r\n`|]"; " "))`"' <<<"$line"
    fi
    [ "$alive" = 1 ] || echo "- Latchkey DIED during the soak (see target/bench/logs/latchkey.log)"
    [ "$failed" = 0 ] || echo "- wrk failed (exit $rc): see target/bench/logs/wrk-soak.txt"
    echo
    echo "- $(pf "$err_ok") zero errors: $non2xx non-2xx, $sock socket errors, $requests requests"
    echo "- $(pf "$mem_ok") memory flat: RSS at the end ${end:-?} MB <= RSS at ${base_s:-?} s" \
      "${base:-?} MB + max(15 %, 40 MB) = $limit MB"
    echo
    echo "SOAK VERDICT: $(pf "$(( err_ok & mem_ok ))") (errors $(pf "$err_ok"), memory $(pf "$mem_ok"))"
    echo
  } > "$WORK/soak.md"
  cat "$WORK/soak.md" >> "$OUT/soak.md"
  echo
  cat "$WORK/soak.md"
  log "soak: summary appended to target/bench/soak.md; wrk output in $wrk_log"
  [ "$err_ok" = 1 ] && [ "$mem_ok" = 1 ] || status=1
  return "$status"
}

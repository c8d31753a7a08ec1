# Latchkey under abuse: sourced by `bench/run.sh --abuse`, which starts and seeds Latchkey as
# for its other modes, but with every throttle limit at its default, and then calls run_abuse.
# Uses run.sh's variables (LK_PID, LK, APP_ID, REFRESH, OUT, LOGS, WORK, WRK_TIMEOUT, JCMD,
# JAVA_VERSION, LK_JAVA_OPTS, LK_COMMIT, SMOKE, BG_PIDS, RUN_FAILED) and helpers (log, die, http,
# expect, now_ms, rss_mb, check_alive, wrk_result, field, ms, sockerr). Not meant to be run by
# itself. See bench/README.md, "Abuse test".
#
# Four phases, each honest traffic (GET /auth/api_keys with a refresh token, bench/wrk/
# list-keys.lua, wrk -t1 -c$ABUSE_HONEST_CONNS) beside one flood, everything from 127.0.0.1:
#   alone      honest traffic only
#   register   + ABUSE_FLOOD_CONNS connections registering new emails (register-flood.lua)
#   anon       + ABUSE_FLOOD_CONNS connections logging in anonymously (anon-flood.lua)
#   token      + ABUSE_TOKEN_CONNS connections that refresh and present every new access
#                token once (token-flood.lua), until ABUSE_TOKENS tokens were presented or
#                ABUSE_TOKEN_SECONDS have passed
# Memory: RSS (ps) every ABUSE_SAMPLE_SECONDS; the heap after every GC, from GC logging that
# jcmd VM.log switches on at run time (the JVM options stay bin/run's); the live heap after a
# full GC (jcmd GC.run) before the first phase and after each one, outside the measurements.
# Writes target/bench/abuse.md (the report), abuse-memory.csv and abuse-gc.csv. Returns
# non-zero on a hard failure only: an honest answer that was not 2xx or never came, an ERROR
# line in the server's log, a wrk that failed, or (smoke) a phase without requests. A server
# that dies ends the run through check_alive. Timing and memory targets are PASS / MISS marks.

ABUSE_PHASES=(alone register anon token)
declare -A ABUSE_TITLE=(
  [alone]="honest traffic alone"
  [register]="+ registration flood"
  [anon]="+ anonymous-login flood"
  [token]="+ token flood"
)
ABUSE_TIMELINE=""   # "epoch_ms label" per phase change: the sampler and the GC table read it
ABUSE_GC_LOG=""     # "" when jcmd could not switch GC logging on

abuse_number() { # name value: dies unless a positive whole number
  [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive whole number (got '$2')"
}

abuse_settings() { # called by run.sh right after its options, before anything starts
  if [ "$SMOKE" = 1 ]; then
    ABUSE_SECONDS=${ABUSE_SECONDS:-3}
    ABUSE_TOKEN_SECONDS=${ABUSE_TOKEN_SECONDS:-3}
    ABUSE_WARMUP=${ABUSE_WARMUP:-0}
    ABUSE_SAMPLE_SECONDS=${ABUSE_SAMPLE_SECONDS:-1}
  else
    ABUSE_SECONDS=${ABUSE_SECONDS:-30}
    # The token flood ends once it has presented ABUSE_TOKENS tokens; this bounds it. Every
    # token costs an ES256 signature and its check: on 2 shared cores and JDK 17, 400-700
    # tokens/s beside the honest traffic, so 200,000 take 5 to 8 minutes.
    ABUSE_TOKEN_SECONDS=${ABUSE_TOKEN_SECONDS:-900}
    ABUSE_WARMUP=${ABUSE_WARMUP:-5}
    ABUSE_SAMPLE_SECONDS=${ABUSE_SAMPLE_SECONDS:-2}
  fi
  ABUSE_HONEST_CONNS=${ABUSE_HONEST_CONNS:-8}
  ABUSE_FLOOD_CONNS=${ABUSE_FLOOD_CONNS:-32}
  ABUSE_TOKEN_CONNS=${ABUSE_TOKEN_CONNS:-8}
  ABUSE_TOKENS=${ABUSE_TOKENS:-200000}
  local v
  for v in ABUSE_SECONDS ABUSE_TOKEN_SECONDS ABUSE_SAMPLE_SECONDS ABUSE_HONEST_CONNS \
      ABUSE_FLOOD_CONNS ABUSE_TOKEN_CONNS ABUSE_TOKENS; do
    abuse_number "$v" "${!v}"
  done
  [[ "$ABUSE_WARMUP" =~ ^[0-9]+$ ]] || die "ABUSE_WARMUP must be a whole number of seconds"
}

abuse_max_seconds() { # the watchdog: start-up and seeding, then per phase wrk's 30 s margin and a full GC
  echo $(( 240 + ABUSE_WARMUP + 3 * (ABUSE_SECONDS + 60) + ABUSE_TOKEN_SECONDS + 60 ))
}

abuse_mark() { echo "$(now_ms) $1" >> "$ABUSE_TIMELINE"; }

declare -A ABUSE_CPU=()   # phase -> "Latchkey cores / machine busy cores" (averages)
abuse_cpu_ticks() { # "latchkey_ticks machine_busy_ticks" (utime + stime; all but idle and iowait)
  local lk
  lk=$(awk '{ print $14 + $15 }' "/proc/$LK_PID/stat" 2>/dev/null || echo 0)
  awk -v lk="$lk" '/^cpu / { print lk, $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

abuse_sampler() { # csv: "epoch_ms,label,rss_mb,heap_after_gc_mb" until killed
  local csv=$1 label heap
  while :; do
    label=$(tail -n 1 "$ABUSE_TIMELINE" | cut -d' ' -f2)
    heap=""
    if [ -n "$ABUSE_GC_LOG" ]; then
      heap=$(tac "$ABUSE_GC_LOG" 2>/dev/null | grep -m 1 -- '->' | abuse_gc_fields | cut -d, -f4 || true)
    fi
    echo "$(now_ms),$label,$(rss_mb "$LK_PID"),$heap" >> "$csv"
    sleep "$ABUSE_SAMPLE_SECONDS"
  done
}

# GC log lines ("[<epoch ms>ms] GC(7) Pause Young (Allocation Failure) 60M->21M(123M) 3.2ms")
# to "epoch_ms,kind,before_mb,after_mb,heap_mb,pause_ms"; kind is young or full.
abuse_gc_fields() {
  awk 'function mb(v,   u) { u = substr(v, length(v)); v = substr(v, 1, length(v) - 1)
                             return u == "G" ? v * 1024 : u == "K" ? v / 1024 : u == "B" ? v / 1048576 : v }
       match($0, /^\[[0-9]+ms\]/) && match($0, /[0-9]+[BKMG]->[0-9]+[BKMG]\([0-9]+[BKMG]\) [0-9.]+ms/) {
         t = substr($0, 2, index($0, "ms]") - 2)
         split(substr($0, RSTART, RLENGTH), p, /->|\(|\) |ms/)
         printf "%s,%s,%.1f,%.1f,%.1f,%s\n", t, (index($0, "Pause Full") ? "full" : "young"),
           mb(p[1]), mb(p[2]), mb(p[3]), p[4]
       }'
}

abuse_full_gc() { # label: a full GC outside the measurements; its after-value is the live heap
  abuse_mark "gc:$1"
  if [ -n "$ABUSE_GC_LOG" ]; then
    timeout 20 "$JCMD" "$LK_PID" GC.run >/dev/null 2>&1 || log "abuse: jcmd GC.run failed"
  fi
}

# abuse_phase name flood_lua flood_conns seconds done_dir [VAR=value ...]: honest traffic for
# `seconds`, beside the flood (unless flood_lua is empty), which starts 1 s before it and ends
# 1 s after; or, with a done_dir, both end (SIGINT) once every flood thread has left its file there.
abuse_phase() {
  local name=$1 lua=$2 conns=$3 secs=$4 done_dir=$5 flood_pid="" honest_pid rc=0 frc=0
  shift 5
  abuse_mark "$name"
  local cpu0 busy0 t0
  read -r cpu0 busy0 < <(abuse_cpu_ticks)
  t0=$(now_ms)
  if [ -n "$lua" ]; then
    log "abuse: $name: flood wrk -t$conns -c$conns -d$(( secs + 2 ))s ($lua)"
    env BENCH_APP="$APP_ID" "$@" timeout -k 5 $(( secs + 32 )) wrk -t"$conns" -c"$conns" \
      -d"$(( secs + 2 ))s" --timeout "$WRK_TIMEOUT" --latency -s "$ROOT/bench/wrk/$lua" \
      "http://127.0.0.1:$LK_PORT" > "$LOGS/wrk-abuse-$name-flood.txt" 2>&1 < /dev/null &
    flood_pid=$!
    BG_PIDS+=("$flood_pid")
    sleep 1
  fi
  log "abuse: $name: honest wrk -t1 -c$ABUSE_HONEST_CONNS -d${secs}s (list keys)"
  env BENCH_TOKEN="$REFRESH" timeout -k 5 $(( secs + 30 )) wrk -t1 -c"$ABUSE_HONEST_CONNS" \
    -d"${secs}s" --timeout "$WRK_TIMEOUT" --latency -s "$ROOT/bench/wrk/list-keys.lua" \
    "$LK/auth/api_keys" > "$LOGS/wrk-abuse-$name-honest.txt" 2>&1 < /dev/null &
  honest_pid=$!
  BG_PIDS+=("$honest_pid")
  if [ -n "$done_dir" ]; then
    while kill -0 "$honest_pid" 2>/dev/null; do
      if [ "$(find "$done_dir" -type f | wc -l)" -ge "$conns" ]; then
        log "abuse: $name: every flood thread is done; ending both runs"
        kill -INT "$honest_pid" "$flood_pid" 2>/dev/null
        break
      fi
      sleep 0.5
    done
  fi
  wait "$honest_pid" || rc=$?
  wrk_result "honest-$name" "$LOGS/wrk-abuse-$name-honest.txt" "$rc" "$ABUSE_HONEST_CONNS"
  if [ -n "$flood_pid" ]; then
    wait "$flood_pid" || frc=$?
    wrk_result "flood-$name" "$LOGS/wrk-abuse-$name-flood.txt" "$frc" "$conns"
  fi
  local cpu1 busy1
  read -r cpu1 busy1 < <(abuse_cpu_ticks)
  ABUSE_CPU[$name]=$(awk -v s="$(( $(now_ms) - t0 ))e-3" -v hz="$(getconf CLK_TCK)" \
    -v c="$(( cpu1 - cpu0 ))" -v b="$(( busy1 - busy0 ))" \
    'BEGIN { if (s > 0) printf "%.2f / %.2f", c / hz / s, b / hz / s; else print "?" }')
  check_alive "$LK_PID" Latchkey "$LOGS/latchkey.log"
  abuse_full_gc "$name"
}

run_abuse() {
  local csv=$OUT/abuse-memory.csv gc_csv=$OUT/abuse-gc.csv sampler_pid rc=0
  ABUSE_TIMELINE=$WORK/abuse-timeline
  abuse_mark seed

  # The token flood's own user and session, so the honest session is not the one it refreshes.
  local flood_email=bench-token-flood@example.com flood_password=bench-password-2 flood_refresh
  http POST "$LK/app/$APP_ID/auth/providers/local-userpass/register" "" \
    "$(jq -cn --arg e "$flood_email" --arg p "$flood_password" '{email:$e,password:$p}')"
  expect 201 "register the token flood's user"
  http POST "$LK/app/$APP_ID/auth/providers/local-userpass/login" "" \
    "$(jq -cn --arg e "$flood_email" --arg p "$flood_password" '{username:$e,password:$p}')"
  expect 200 "log in the token flood's user"
  flood_refresh=$(jq -r .refresh_token <<<"$HTTP_BODY")
  [ -n "$flood_refresh" ] && [ "$flood_refresh" != null ] || die "login result without a refresh token"

  # GC logging, switched on at run time: the JVM runs with bin/run's options only.
  rm -f "$LOGS/abuse-gc.log"
  if timeout 20 "$JCMD" "$LK_PID" VM.log output="file=$LOGS/abuse-gc.log" output_options=filecount=0 \
      what=gc decorators=timemillis >/dev/null 2>&1; then
    ABUSE_GC_LOG=$LOGS/abuse-gc.log
  else
    log "abuse: jcmd could not switch GC logging on; heap figures will be missing"
  fi
  echo "epoch_ms,label,rss_mb,heap_after_gc_mb" > "$csv"
  abuse_sampler "$csv" &
  sampler_pid=$!
  BG_PIDS+=("$sampler_pid")

  if [ "$ABUSE_WARMUP" -gt 0 ]; then
    abuse_mark warm-up
    log "abuse: warm-up ${ABUSE_WARMUP}s (honest traffic, not measured)"
    env BENCH_TOKEN="$REFRESH" timeout -k 5 $(( ABUSE_WARMUP + 30 )) wrk -t1 -c"$ABUSE_HONEST_CONNS" \
      -d"${ABUSE_WARMUP}s" --timeout "$WRK_TIMEOUT" -s "$ROOT/bench/wrk/list-keys.lua" \
      "$LK/auth/api_keys" > "$LOGS/wrk-abuse-warmup.txt" 2>&1 < /dev/null \
      || log "abuse: warm-up exited $? (see $LOGS/wrk-abuse-warmup.txt)"
  fi
  abuse_full_gc start

  abuse_phase alone "" 0 "$ABUSE_SECONDS" ""
  abuse_phase register register-flood.lua "$ABUSE_FLOOD_CONNS" "$ABUSE_SECONDS" "" BENCH_NONCE="$$"
  abuse_phase anon anon-flood.lua "$ABUSE_FLOOD_CONNS" "$ABUSE_SECONDS" ""
  mkdir -p "$WORK/token-done"
  abuse_phase token token-flood.lua "$ABUSE_TOKEN_CONNS" "$ABUSE_TOKEN_SECONDS" "$WORK/token-done" \
    BENCH_TOKEN="$flood_refresh" BENCH_DONE_DIR="$WORK/token-done" \
    BENCH_TOKENS_PER_THREAD=$(( (ABUSE_TOKENS + ABUSE_TOKEN_CONNS - 1) / ABUSE_TOKEN_CONNS ))
  abuse_mark end
  sleep 1
  kill -TERM "$sampler_pid" 2>/dev/null
  wait "$sampler_pid" 2>/dev/null || true

  # Every GC, labelled with the phase (or the full GC after it, "gc:<phase>") it fell in.
  echo "epoch_ms,label,kind,before_mb,after_mb,heap_mb,pause_ms" > "$gc_csv"
  if [ -n "$ABUSE_GC_LOG" ]; then
    abuse_gc_fields < "$ABUSE_GC_LOG" | awk -F, -v timeline="$ABUSE_TIMELINE" '
      BEGIN { while ((getline line < timeline) > 0) { split(line, p, " "); n++; at[n] = p[1]; lab[n] = p[2] } }
      { l = "before"; for (i = 1; i <= n; i++) if ($1 + 0 >= at[i] + 0) l = lab[i]
        print $1 "," l "," $2 "," $3 "," $4 "," $5 "," $6 }' >> "$gc_csv"
  fi

  abuse_report "$csv" "$gc_csv" > "$WORK/abuse.md"
  cp "$WORK/abuse.md" "$OUT/abuse.md"
  echo
  cat "$WORK/abuse.md"
  log "abuse: report written to target/bench/abuse.md; samples in target/bench/abuse-memory.csv" \
    "and abuse-gc.csv; logs in target/bench/logs/"
  [ "$(abuse_hard_failures | wc -l)" = 0 ] || rc=1
  return "$rc"
}

# ---------------------------------------------------------------------------- report

abuse_mark_if() { if [ "$1" = 1 ]; then echo PASS; else echo MISS; fi; }
abuse_le() { awk -v a="$1" -v b="$2" 'BEGIN { n = "^-?[0-9]+([.][0-9]+)?$"; exit !(a ~ n && b ~ n && a + 0 <= b + 0) }'; }
abuse_lt() { awk -v a="$1" -v b="$2" 'BEGIN { n = "^-?[0-9]+([.][0-9]+)?$"; exit !(a ~ n && b ~ n && a + 0 < b + 0) }'; }
abuse_ratio_pct() { # honest req/s in phase vs alone, percent
  jq -rn --argjson a "$(field "honest-$1" .rps)" --argjson b "$(field honest-alone .rps)" \
    'if $b > 0 then ($a / $b * 100 | round) else 0 end'
}
abuse_statuses() { # name: "201: 9, 429: 51234, 503: 89"
  field "$1" '.statuses | to_entries | sort_by(.key) | map("\(.key): \(.value)") | join(", ")'
}
abuse_refused_ms() { field "flood-$1" "if .refused.n > 0 then (.refused.$2 / 1000 * 100 | round / 100) else \"-\" end"; }

# Per label (phase, or gc:<phase>) from the CSVs: "rss_max rss_last" and GC figures.
abuse_rss() { # csv label_regex -> "max last"
  awk -F, -v l="^($2)\$" '$2 ~ l && $3 ~ /^[0-9]+$/ { if ($3 + 0 > m + 0) m = $3; last = $3 }
                     END { print (m == "" ? "?" : m), (last == "" ? "?" : last) }' "$1"
}
abuse_gc_stats() { # gc_csv label -> "young;full;min_after - max_after;longest_pause_ms" (- when none)
  awk -F, -v l="$2" 'NR > 1 && $2 == l { if ($3 == "full") f++; else y++
                       if (min == "" || $5 + 0 < min + 0) min = $5; if ($5 + 0 > max + 0) max = $5
                       if ($7 + 0 > p + 0) p = $7 }
                     END { printf "%d;%d;%s;%s\n", y, f, (min == "" ? "-" : min " - " max), (p == "" ? "-" : p) }' "$1"
}
abuse_live() { # gc_csv label -> the after-value of the full GC in gc:<label>, or ?
  awk -F, -v l="gc:$2" 'NR > 1 && $2 == l && $3 == "full" { v = $5 } END { print (v == "" ? "?" : v) }' "$1"
}
# The token flood's heap trend: the least-squares slope of the heap after each GC over the
# phase's second half (the cache of verified tokens fills up in its first minute), MB per minute.
abuse_token_slope() { # gc_csv -> slope or ?
  awk -F, 'NR > 1 && $2 == "token" { n++; t[n] = $1; h[n] = $5 }
           END { if (n < 4) { print "?"; exit }
                 start = t[1] + (t[n] - t[1]) / 2
                 for (i = 1; i <= n; i++) if (t[i] >= start) { x = (t[i] - start) / 60000; k++; sx += x; sy += h[i]; sxx += x * x; sxy += x * h[i] }
                 d = k * sxx - sx * sx
                 if (k < 3 || d == 0) { print "?"; exit }
                 printf "%.2f\n", (k * sxy - sx * sy) / d }' "$1"
}

abuse_hard_failures() { # one line per hard failure; none when all is well
  local p n
  for p in "${ABUSE_PHASES[@]}"; do
    n=$(( $(field "honest-$p" .non2xx) + $(sockerr "honest-$p") ))
    [ "$n" = 0 ] || echo "honest traffic $p: $(field "honest-$p" .non2xx) non-2xx, $(sockerr "honest-$p") socket errors"
    if [ "$SMOKE" = 1 ] && [ "$(field "honest-$p" .requests)" = 0 ]; then echo "honest traffic $p: no requests"; fi
    if [ "$p" != alone ] && [ "$SMOKE" = 1 ] && [ "$(field "flood-$p" .requests)" = 0 ]; then echo "flood $p: no requests"; fi
  done
  [ ${#RUN_FAILED[@]} = 0 ] || echo "wrk failed: ${RUN_FAILED[*]}"
  n=$(grep -c ' ERROR ' "$LOGS/latchkey.log" || true)
  [ "$n" = 0 ] || echo "$n ERROR lines in target/bench/logs/latchkey.log"
  kill -0 "$LK_PID" 2>/dev/null || echo "Latchkey died"
}

abuse_report() {
  local csv=$1 gc_csv=$2 p ratio rss_max=0 r y f heap pause
  echo "## Latchkey under abuse"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $LK_COMMIT, $(nproc) cores, $JAVA_VERSION," \
    "${LK_JAVA_OPTS:-default JVM flags}, every throttle limit at its default; honest traffic" \
    "wrk -t1 -c$ABUSE_HONEST_CONNS (GET /auth/api_keys, refresh token), ${ABUSE_SECONDS}s per phase," \
    "the token flood until $ABUSE_TOKENS tokens (at most ${ABUSE_TOKEN_SECONDS}s); floods one" \
    "connection per wrk thread; all on 127.0.0.1$([ "$SMOKE" = 1 ] && echo ', SMOKE run (timings meaningless)')."
  echo
  echo "| phase | s | honest req/s | vs alone | honest p50 / p99 ms | honest non-2xx | flood conns | flood req/s | flood answers | flood 429/503 p50 / p99 ms | CPU cores: Latchkey / machine |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"
  for p in "${ABUSE_PHASES[@]}"; do
    ratio=$(abuse_ratio_pct "$p")
    printf '| %s | %s | %s | %s %% | %s / %s | %s |' "${ABUSE_TITLE[$p]}" \
      "$(field "honest-$p" '.duration_s | round')" "$(field "honest-$p" '.rps | floor')" "$ratio" \
      "$(ms "honest-$p" p50_us)" "$(ms "honest-$p" p99_us)" "$(field "honest-$p" .non2xx)"
    if [ "$p" = alone ]; then
      printf ' | | | |'
    else
      printf ' %s | %s | %s | %s / %s |' "${conns_of[flood-$p]}" "$(field "flood-$p" '.rps | floor')" \
        "$(abuse_statuses "flood-$p")" "$(abuse_refused_ms "$p" p50_us)" "$(abuse_refused_ms "$p" p99_us)"
    fi
    echo " ${ABUSE_CPU[$p]:-?} |"
  done
  echo
  local presented distinct accepted
  presented=$(field flood-token '.tokens.presented // 0')
  distinct=$(field flood-token '.tokens.distinct // 0')
  accepted=$(field flood-token '.tokens.accepted // 0')
  echo "Token flood: $presented access tokens presented once each ($distinct distinct, $accepted" \
    "answered 200), $(field flood-token 'if .duration_s > 0 then .tokens.distinct / .duration_s | floor else 0 end')" \
    "a second; wrk's latency over all its answers: p50 $(ms flood-token p50_us) / p99 $(ms flood-token p99_us) ms."
  echo
  echo "| memory | before | $(for p in "${ABUSE_PHASES[@]}"; do printf '%s | ' "${ABUSE_TITLE[$p]}"; done)"
  echo "|---|---:|$(for p in "${ABUSE_PHASES[@]}"; do printf -- '---:|'; done)"
  local row_rss="| RSS max MB (every ${ABUSE_SAMPLE_SECONDS} s) | $(abuse_rss "$csv" 'seed|warm-up|gc:start' | cut -d' ' -f1) |"
  local row_gc="| GCs young / full, longest pause ms | |"
  local row_heap="| heap after GC MB, min - max | |"
  local row_live="| live heap after a full GC at the end MB | $(abuse_live "$gc_csv" start) |"
  for p in "${ABUSE_PHASES[@]}"; do
    r=$(abuse_rss "$csv" "$p" | cut -d' ' -f1)
    row_rss="$row_rss $r |"
    IFS=';' read -r y f heap pause < <(abuse_gc_stats "$gc_csv" "$p")
    row_gc="$row_gc $y / $f, $pause |"
    row_heap="$row_heap $heap |"
    row_live="$row_live $(abuse_live "$gc_csv" "$p") |"
  done
  echo "$row_rss"
  echo "$row_heap"
  echo "$row_live"
  echo "$row_gc"
  rss_max=$(awk -F, 'NR > 1 && $3 ~ /^[0-9]+$/ && $3 + 0 > m + 0 { m = $3 } END { print (m == "" ? "?" : m) }' "$csv")
  echo
  echo "Targets (PASS / MISS marks; only the hard failures below decide the exit status):"
  echo
  for p in register anon token; do
    ratio=$(abuse_ratio_pct "$p")
    echo "- $(abuse_mark_if "$(abuse_le 60 "$ratio" && echo 1)") honest throughput ${ABUSE_TITLE[$p]#+ } >= 60 % of alone ($ratio %)"
  done
  local worst
  worst=$(for p in "${ABUSE_PHASES[@]}"; do ms "honest-$p" p99_us; done | sort -g | tail -n 1)
  echo "- $(abuse_mark_if "$(abuse_le "$worst" 50 && echo 1)") honest p99 <= 50 ms in every phase (worst $worst ms)"
  local non2xx=0
  for p in "${ABUSE_PHASES[@]}"; do non2xx=$(( non2xx + $(field "honest-$p" .non2xx) )); done
  echo "- $(abuse_mark_if "$([ "$non2xx" = 0 ] && echo 1)") zero honest non-2xx ($non2xx)"
  for p in register anon; do
    r=$(abuse_refused_ms "$p" p99_us)
    echo "- $(abuse_mark_if "$(abuse_lt "$r" 50 && echo 1)") ${ABUSE_TITLE[$p]#+ }: 429/503 answered in < 50 ms p99 ($r ms, $(field "flood-$p" .refused.n) answers)"
  done
  echo "- $(abuse_mark_if "$(abuse_le "$ABUSE_TOKENS" "$distinct" && echo 1)") token flood: >= $ABUSE_TOKENS distinct access tokens presented ($distinct)"
  echo "- $(abuse_mark_if "$(abuse_lt "$rss_max" 300 && echo 1)") RSS < 300 MB throughout (max $rss_max MB)"
  # Live heap: the verified-token cache full (20,000 tokens, about 8 MB) fits in the margin;
  # anything kept per request does not (an entry per request outgrew it in the first phase).
  local slope live0 lives="" v flat=1
  slope=$(abuse_token_slope "$gc_csv")
  live0=$(abuse_live "$gc_csv" start)
  for p in "${ABUSE_PHASES[@]}"; do
    v=$(abuse_live "$gc_csv" "$p")
    lives="$lives${lives:+, }$v"
    abuse_le "$v" "$(awk -v b="$live0" 'BEGIN { print b + 16 }')" || flat=0
  done
  # Too few GCs for a slope (a short run): the live heap decides alone.
  [ "$slope" = "?" ] || abuse_le "$slope" 1 || flat=0
  echo "- $(abuse_mark_if "$flat") heap: no trend (live heap after each phase at most the" \
    "$live0 MB before them + 16 MB: $lives MB; heap after GC over the token flood's second half" \
    "at most 1 MB/min: $slope)"
  local errors
  errors=$(grep -c ' ERROR ' "$LOGS/latchkey.log" || true)
  echo "- $(abuse_mark_if "$([ "$errors" = 0 ] && echo 1)") no ERROR in the server's log ($errors)"
  echo
  local hard
  hard=$(abuse_hard_failures)
  if [ -z "$hard" ]; then
    echo "Hard failures: none."
  else
    echo "Hard failures:"
    sed 's/^/- /' <<<"$hard"
  fi
  for p in "${ABUSE_PHASES[@]}"; do
    if [ "$(field "honest-$p" .non2xx)" != 0 ]; then
      echo
      echo "Non-2xx honest answers in $p: $(abuse_statuses "honest-$p"), first bodies:"
      field "honest-$p" '.samples | to_entries[] | "- \(.key): `\(.value | gsub("[\r\n`|]"; " "))`"'
    fi
  done
}

#!/usr/bin/env bash
# ctest fuzz.classifier: libhdf5-internal.awk on kept AddressSanitizer and libFuzzer reports.
# internal-*.log must be classed as libhdf5's own bug (scripts/test --fuzz goes
# on), wfl-*.log as a wfl failure (it stops CI). Breaks it catches: the
# interceptor rule removed (strdup counted as the access frame) fails
# internal-strdup-on-libhdf5-memory.log; the owner rule removed fails
# wfl-strdup-on-wfl-memory.log; the FPE rule removed fails
# internal-fpe-chunk-set-info.log; the libc skip removed (the signal return
# counted as the deciding frame) fails internal-timeout-scatter-mem.log; the
# glibc memcpy-variant rule removed fails internal-segv-null-read-in-glibc-memcpy.log.
# wfl-*-in-wfl-code.log are the same reports with a wfl frame where libhdf5
# was; wfl-oom-rss-limit.log has no allocating frame and must stop CI.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bad=0
for log in "$here"/internal-*.log "$here"/wfl-*.log; do
  name="$(basename "$log")" want=1
  case "$name" in internal-*) want=0 ;; esac
  awk -f "$here/../libhdf5-internal.awk" "$log"
  got=$?
  if [ "$got" -ne "$want" ]; then
    echo "misclassified: $name (awk exit $got, expected $want)"
    bad=1
  fi
done
exit $bad

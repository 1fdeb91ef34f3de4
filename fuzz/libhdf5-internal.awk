# Exit 0 if the sanitizer or libFuzzer report in the log given as argument is
# libhdf5's own failure on a corrupt file, not wfl's: a memory error raised
# inside libhdf5 on memory libhdf5 allocated (or on a wild pointer), a
# division by zero inside libhdf5, an allocation libhdf5 asked for over
# libFuzzer's -malloc_limit_mb, or a timeout with libhdf5 at the top of the
# stack. These are library bugs wfl cannot fix from outside
# (known-libhdf5-bugs/README). A report on memory wfl allocated is never one,
# even when libhdf5's memcpy makes the access. Used by scripts/test --fuzz;
# tested by fuzz/classifier/ (ctest fuzz.classifier).
#
# The deciding frame is the first frame of the "READ/WRITE of size" (or SEGV,
# FPE, out-of-memory, timeout) stack that is not a sanitizer interceptor, a
# libFuzzer frame or libc's signal return; the owner is every first such frame
# of an "allocated by"/"freed by" stack. Interceptors are skipped by name
# (__interceptor_, malloc, ...) and by place: a frame inside the fuzz binary
# without a source location is compiler-rt's copy of a libc function (strdup,
# memcpy) or libFuzzer itself, never wfl code, which always has file:line;
# glibc's own memcpy variants (__memcpy_avx512_unaligned_erms, with glibc's
# source location) sit under the interceptor and are skipped by name.
# Frames in libc.so.6 and libgcc_s.so.1 are skipped too: a timeout's stack
# passes through the signal return in libc.so.6, and, when the alarm lands in
# a malloc, through the unwinder (libgcc_s) the sanitizer calls to record its
# stack; a wfl frame below them still decides.
/ERROR: AddressSanitizer: (heap-buffer-overflow|heap-use-after-free|SEGV)/ { report = 1 }
/ERROR: AddressSanitizer: FPE/ { report = 1; where = "access" }
/ERROR: libFuzzer: (out-of-memory \(malloc\(|timeout after)/ { report = 1; where = "access" }
/^(READ|WRITE) of size|^==[0-9]+==The signal/ { where = "access" }
/allocated by thread|freed by thread/ { where = "alloc" }
/ #[0-9]+ / && where != "" {
  if ($0 ~ /__interceptor_|__asan_|sanitizer_common|asan_malloc|asan_new_delete| in (malloc|calloc|realloc|free|operator new|operator delete)/) next
  if ($0 ~ / in __(memcpy|memmove|memset|memcmp|strlen|strcmp|strncmp|strdup)_[a-z0-9_]+ /) next
  if ($0 ~ /\(\/[^ ]*\/fuzz-[a-z-]+\+0x[0-9a-f]+\)/) next
  if ($0 ~ /\(\/[^ ]*\/(libc\.so\.6|libgcc_s\.so\.1)\+0x[0-9a-f]+\)/) next
  if (where == "access") access = ($0 ~ /libhdf5/)
  else owner = owner || !($0 ~ /libhdf5/)
  where = ""
}
END { exit !(report && access && !owner) }

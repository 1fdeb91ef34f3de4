# Exit 0 if the AddressSanitizer report in the log given as argument is a
# memory error raised inside libhdf5 on memory libhdf5 allocated (or on a wild
# pointer): a library bug wfl cannot fix (known-libhdf5-bugs/README). A report
# on memory wfl allocated is never one, even when libhdf5's memcpy makes the
# access. Used by scripts/test --fuzz; tested by fuzz/classifier/ (ctest
# fuzz.classifier).
#
# The access frame is the first frame of the "READ/WRITE of size" (or SEGV)
# stack that is not a sanitizer interceptor; the owner is every first such
# frame of an "allocated by"/"freed by" stack. Interceptors are skipped by
# name (__interceptor_, malloc, ...) and by place: a frame inside the fuzz
# binary without a source location is compiler-rt's copy of a libc function
# (strdup, strlen, memcpy), never wfl code, which always has file:line.
/ERROR: AddressSanitizer: (heap-buffer-overflow|heap-use-after-free|SEGV)/ { asan = 1 }
/^(READ|WRITE) of size|^==[0-9]+==The signal/ { where = "access" }
/allocated by thread|freed by thread/ { where = "alloc" }
/ #[0-9]+ / && where != "" {
  if ($0 ~ /__interceptor_|__asan_|sanitizer_common|asan_malloc|asan_new_delete| in (malloc|calloc|realloc|free|operator new|operator delete)/) next
  if ($0 ~ /\(\/[^ ]*\/fuzz-[a-z-]+\+0x[0-9a-f]+\)/) next
  if (where == "access") access = ($0 ~ /libhdf5/)
  else owner = owner || !($0 ~ /libhdf5/)
  where = ""
}
END { exit !(asan && access && !owner) }

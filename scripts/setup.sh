# Shared set-up for scripts/demo and scripts/test (sourced, not run).
# Installs missing Debian packages (idempotent, quiet when all are there) and
# configures + builds wfl into build/.

WFL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WFL_BUILD="${WFL_BUILD:-$WFL_ROOT/build}"

# Every package wfl needs to build, test and plot (see README, "Dependencies").
WFL_PACKAGES=(
  build-essential cmake git pkg-config
  libns3-dev ns3 libgsl-dev libxml2-dev libsqlite3-dev libpython3-dev
  libeigen3-dev libboost-program-options-dev libhdf5-dev hdf5-tools zlib1g-dev
  libgtest-dev libgmock-dev
  python3-h5py python3-matplotlib python3-numpy
  dataset-fashion-mnist
  openmpi-bin libopenmpi-dev
)

# Only for scripts/test --fuzz: clang with libFuzzer (libclang-rt-14-dev is only
# a Recommends of clang on Debian 12, and recommends are not installed).
WFL_FUZZ_PACKAGES=(clang libclang-rt-14-dev)

# Extra arguments of the first cmake configure (set by scripts/test).
WFL_CMAKE_ARGS=(-DCMAKE_BUILD_TYPE=Release)

wfl_log() { printf '[wfl] %s\n' "$*"; }

# Install the given packages (default: WFL_PACKAGES) that are missing.
wfl_install_missing() {
  local missing=() pkg wanted=("$@")
  if [ ${#wanted[@]} -eq 0 ]; then wanted=("${WFL_PACKAGES[@]}"); fi
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "[wfl] error: need root or sudo to install: ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
  fi
  wfl_log "installing ${#missing[@]} missing packages: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

wfl_build() {
  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  if [ ! -f "$WFL_BUILD/CMakeCache.txt" ]; then
    wfl_log "configuring into $WFL_BUILD"
    cmake -S "$WFL_ROOT" -B "$WFL_BUILD" -DPython3_EXECUTABLE=/usr/bin/python3 -DWFL_WERROR=ON \
      "${WFL_CMAKE_ARGS[@]}" >/dev/null
  fi
  wfl_log "building (-j$jobs)"
  mkdir -p "$WFL_BUILD"
  if ! cmake --build "$WFL_BUILD" -j "$jobs" >"$WFL_BUILD/build.log" 2>&1; then
    grep -E -B2 -A8 'error|warning' "$WFL_BUILD/build.log" | head -80 >&2 || tail -40 "$WFL_BUILD/build.log" >&2
    echo "[wfl] error: build failed (full log: $WFL_BUILD/build.log)" >&2
    return 1
  fi
}

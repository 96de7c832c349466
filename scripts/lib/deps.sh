# shellcheck shell=bash
# Sourced by scripts/test.sh and scripts/demo.sh: make sure the Debian 12
# packages the project builds with are installed, and set shared variables.
#
#   datachain_install_deps   install the missing packages (apt-get, as root or
#                            through sudo); does nothing when all are present
#   DATACHAIN_REPO           the repository root (absolute)
#   DATACHAIN_BUILD_ROOT     where build trees go: $BUILD_ROOT or <repo>/build
#   DATACHAIN_JOBS           parallel jobs: $JOBS or 2

# shellcheck disable=SC2034  # used by the scripts that source this file
DATACHAIN_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATACHAIN_BUILD_ROOT="${BUILD_ROOT:-$DATACHAIN_REPO/build}"
DATACHAIN_JOBS="${JOBS:-2}"

# ccache: paths under the repository are hashed relative to it, and the build
# directory is not hashed, so a fresh clone elsewhere (as CI makes) reuses
# what an earlier build compiled.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$DATACHAIN_REPO}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
# The precompiled header of the Catch2 tests (DATACHAIN_TEST_PCH) and the
# files that use it are cached only with this sloppiness (ccache manual,
# "Precompiled headers"; added to the user's own, if any); with
# CCACHE_PCH_EXTSUM ccache hashes the header's small checksum file
# (<header>.sum, written by the build) instead of the header itself.
case ",${CCACHE_SLOPPINESS:-}," in
  *,pch_defines,*time_macros,*) ;;
  *) export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:+$CCACHE_SLOPPINESS,}pch_defines,time_macros" ;;
esac
export CCACHE_PCH_EXTSUM="${CCACHE_PCH_EXTSUM:-1}"

# Compiler toolchains, build tools and the libraries of SPEC.md section 2.
DATACHAIN_PACKAGES=(
  cmake ninja-build g++ clang
  libboost-dev librange-v3-dev libleveldb-dev libxxhash-dev catch2
  ccache
  libcli11-dev   # the datachain command-line tool (tools/datachain_cli.cpp)
  libcurl4-openssl-dev libssl-dev   # datachain::object_storage (s3://, gs://)
  libsqlite3-dev   # bench_peers (benchmarks/peers.cpp): SQLite, a peer of the store
)
# Node.js runs s3rver, the S3-compatible server of the objstore tests; from
# Debian only when no `node` is installed already.
if ! command -v node >/dev/null 2>&1; then
  DATACHAIN_PACKAGES+=(nodejs npm)
fi

# s3rver for the objstore tests, pinned; installed by datachain_install_s3rver
# under <build root>/s3rver (never committed: build/ is ignored).
DATACHAIN_S3RVER_VERSION="3.7.1"
DATACHAIN_S3RVER_PREFIX="$DATACHAIN_BUILD_ROOT/s3rver"
DATACHAIN_S3RVER="$DATACHAIN_S3RVER_PREFIX/node_modules/.bin/s3rver"

datachain_install_deps() {
  local missing=() pkg
  for pkg in "${DATACHAIN_PACKAGES[@]}"; do
    if ! dpkg -s "$pkg" >/dev/null 2>&1; then
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "deps: all ${#DATACHAIN_PACKAGES[@]} packages are installed"
    return 0
  fi
  echo "deps: installing ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "deps: missing packages (${missing[*]}) and not root; install them and re-run" >&2
      return 1
    fi
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

# datachain_install_s3rver: npm install s3rver@$DATACHAIN_S3RVER_VERSION into
# $DATACHAIN_S3RVER_PREFIX when that version is not there. A failure is
# reported, not fatal: the s3 tests then report skipped.
datachain_install_s3rver() {
  local installed="$DATACHAIN_S3RVER_PREFIX/node_modules/s3rver/package.json"
  if [ -x "$DATACHAIN_S3RVER" ] && grep -q "\"version\": \"$DATACHAIN_S3RVER_VERSION\"" "$installed" 2>/dev/null; then
    echo "deps: s3rver $DATACHAIN_S3RVER_VERSION is installed ($DATACHAIN_S3RVER)"
    return 0
  fi
  if [ -z "$DATACHAIN_S3RVER_PREFIX" ] || [ -z "$DATACHAIN_S3RVER_VERSION" ]; then
    echo "deps: DATACHAIN_S3RVER_PREFIX/VERSION not set" >&2
    return 1
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "deps: npm not found; the s3rver tests will be skipped" >&2
    return 0
  fi
  echo "deps: installing s3rver@$DATACHAIN_S3RVER_VERSION into $DATACHAIN_S3RVER_PREFIX"
  mkdir -p "$DATACHAIN_S3RVER_PREFIX"
  npm install --prefix "$DATACHAIN_S3RVER_PREFIX" --no-audit --no-fund --save-exact \
    "s3rver@$DATACHAIN_S3RVER_VERSION" \
    || echo "deps: npm install s3rver failed; the s3rver tests will be skipped" >&2
}

# datachain_configure <build dir> <c++ compiler> [extra cmake args...]
# Ninja, Release with -O2 (not CMake's default -O3).
datachain_configure() {
  local dir="$1" cxx="$2"
  shift 2
  cmake -S "$DATACHAIN_REPO" -B "$dir" -G Ninja \
    -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
    "$@"
}

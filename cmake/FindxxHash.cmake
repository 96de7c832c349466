# FindxxHash.cmake: locate the xxHash library (https://github.com/Cyan4973/xxHash).
#
# Debian's libxxhash-dev ships a header, a library and a pkg-config file, but
# no CMake package configuration, so datachain carries this finder and installs
# it next to datachainConfig.cmake (consumers reach it through find_dependency).
#
# Result:
#   xxHash::xxHash   IMPORTED target: include directory + library
#   xxHash_FOUND, xxHash_VERSION, xxHash_INCLUDE_DIR, xxHash_LIBRARY
#
# Hints: xxHash_ROOT (CMake's <Package>_ROOT), or set xxHash_INCLUDE_DIR and
# xxHash_LIBRARY in the cache. If an upstream xxHashConfig.cmake exists (xxHash
# built with its own CMake, vcpkg, conda...) it is used and xxHash::xxHash
# becomes an alias of its target.

# 1. An upstream package configuration, when there is one.
find_package(xxHash ${xxHash_FIND_VERSION} CONFIG QUIET)
if(xxHash_FOUND AND TARGET xxHash::xxhash)
  if(NOT TARGET xxHash::xxHash)
    add_library(xxHash::xxHash ALIAS xxHash::xxhash)
  endif()
  if(NOT xxHash_FIND_QUIETLY)
    message(STATUS "Found xxHash: ${xxHash_DIR} (found version \"${xxHash_VERSION}\")")
  endif()
  return()
endif()
set(xxHash_FOUND FALSE)

# 2. Header and library on the usual search paths.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PC_xxHash QUIET libxxhash)
endif()

find_path(xxHash_INCLUDE_DIR
  NAMES xxhash.h
  HINTS ${PC_xxHash_INCLUDEDIR} ${PC_xxHash_INCLUDE_DIRS})
find_library(xxHash_LIBRARY
  NAMES xxhash libxxhash xxHash
  HINTS ${PC_xxHash_LIBDIR} ${PC_xxHash_LIBRARY_DIRS})
mark_as_advanced(xxHash_INCLUDE_DIR xxHash_LIBRARY)

if(xxHash_INCLUDE_DIR AND EXISTS "${xxHash_INCLUDE_DIR}/xxhash.h")
  file(STRINGS "${xxHash_INCLUDE_DIR}/xxhash.h" _xxhash_version_lines
    REGEX "^#define[ \t]+XXH_VERSION_(MAJOR|MINOR|RELEASE)[ \t]+[0-9]+")
  foreach(_part MAJOR MINOR RELEASE)
    string(REGEX REPLACE ".*XXH_VERSION_${_part}[ \t]+([0-9]+).*" "\\1"
      _xxhash_${_part} "${_xxhash_version_lines}")
  endforeach()
  if(_xxhash_MAJOR MATCHES "^[0-9]+$" AND _xxhash_MINOR MATCHES "^[0-9]+$"
     AND _xxhash_RELEASE MATCHES "^[0-9]+$")
    set(xxHash_VERSION "${_xxhash_MAJOR}.${_xxhash_MINOR}.${_xxhash_RELEASE}")
  endif()
  unset(_xxhash_version_lines)
  unset(_xxhash_MAJOR)
  unset(_xxhash_MINOR)
  unset(_xxhash_RELEASE)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(xxHash
  REQUIRED_VARS xxHash_LIBRARY xxHash_INCLUDE_DIR
  VERSION_VAR xxHash_VERSION)

if(xxHash_FOUND AND NOT TARGET xxHash::xxHash)
  add_library(xxHash::xxHash UNKNOWN IMPORTED)
  set_target_properties(xxHash::xxHash PROPERTIES
    IMPORTED_LOCATION "${xxHash_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${xxHash_INCLUDE_DIR}")
endif()

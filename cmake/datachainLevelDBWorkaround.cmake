# Included right after find_package(leveldb) / find_dependency(leveldb).
#
# Debian 12's leveldbTargets.cmake gives the shared leveldb::leveldb the link
# item "snappy" (a bare library name, needed only for a static libleveldb),
# but libleveldb-dev does not depend on libsnappy-dev. Without libsnappy.so the
# link line gets "-lsnappy" and fails with "cannot find -lsnappy", although the
# shared libleveldb already records its own dependency on libsnappy.so.1.
#
# When leveldb is shared, names "snappy" as a link item, and no linkable snappy
# library exists, define an empty INTERFACE IMPORTED target called `snappy` so
# the bare name resolves to nothing. Installing libsnappy-dev makes this a
# no-op. A project that itself defines a target named `snappy` should do so
# before finding datachain.
if(TARGET leveldb::leveldb AND NOT TARGET snappy)
  get_target_property(_datachain_leveldb_type leveldb::leveldb TYPE)
  get_target_property(_datachain_leveldb_links leveldb::leveldb INTERFACE_LINK_LIBRARIES)
  if(_datachain_leveldb_type STREQUAL "SHARED_LIBRARY"
     AND _datachain_leveldb_links AND "snappy" IN_LIST _datachain_leveldb_links)
    find_library(DATACHAIN_SNAPPY_LIBRARY snappy)
    mark_as_advanced(DATACHAIN_SNAPPY_LIBRARY)
    if(NOT DATACHAIN_SNAPPY_LIBRARY)
      add_library(snappy INTERFACE IMPORTED)
      if(NOT datachain_FIND_QUIETLY)
        message(STATUS "datachain: libsnappy.so not found; leveldb::leveldb's "
          "\"snappy\" link item resolves to an empty target (install libsnappy-dev to silence)")
      endif()
    endif()
  endif()
  unset(_datachain_leveldb_type)
  unset(_datachain_leveldb_links)
endif()

# cmake -DCLI=... -DWORK_DIR=... -P cli_safety.cmake
#
# The datachain tool never creates a store, never touches a directory that
# is not one, and refuses a gc age that is not a duration (before opening
# anything). No example program needed: no store is ever made here.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
unset(ENV{DATACHAIN_ROOT})


include("${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake")   # cli(), run_checked()

# Every file of a directory, name and bytes (hex), as one string.
function(dir_state dir out)
  file(GLOB_RECURSE files LIST_DIRECTORIES true RELATIVE "${dir}" "${dir}/*" "${dir}/.*")
  list(SORT files)
  set(s "")
  foreach(f IN LISTS files)
    if(IS_DIRECTORY "${dir}/${f}")
      string(APPEND s "${f}/;")
    else()
      file(READ "${dir}/${f}" bytes HEX)
      string(APPEND s "${f}=${bytes};")
    endif()
  endforeach()
  set(${out} "${s}" PARENT_SCOPE)
endfunction()

# A user's directory given as the store: refused, every file intact.
set(mine "${WORK_DIR}/mine")
file(WRITE "${mine}/000005.log" "a log of mine")
file(WRITE "${mine}/foo.ldb" "not a table")
file(WRITE "${mine}/notes.txt" "my notes\n")
dir_state("${mine}" before)
foreach(cmd jobs events datasets ls)
  cli(1 "is not empty and is not a datachain store.*notes\\.txt" ROOT "${mine}" ARGS ${cmd})
endforeach()
# Said in the tool's words (its flag and variable), not the C++ setting's.
cli(1 "choose another one \\(--root DIR or DATACHAIN_ROOT\\); nothing in it was touched\n" ROOT "${mine}" ARGS ls)
cli(1 "not a datachain store" ROOT "${mine}" ARGS rm x 1.0.0)
cli(1 "is not empty and is not a datachain store" ROOT "${mine}" ARGS gc 1d)
cli(1 "not a datachain store" ROOT "${mine}" ARGS show x)
cli(1 "there is no datachain store at" ROOT "${mine}" ARGS status)
dir_state("${mine}" after)
if(NOT before STREQUAL after)
  message(FATAL_ERROR "the tool changed a directory that is not a store:\nbefore ${before}\nafter  ${after}")
endif()

# LevelDB-named files without CURRENT: a damaged store, untouched.
set(damaged "${WORK_DIR}/damaged")
file(WRITE "${damaged}/000005.log" "xxxx")
file(WRITE "${damaged}/000007.ldb" "yyyy")
file(WRITE "${damaged}/MANIFEST-000004" "zzzz")
dir_state("${damaged}" before)
cli(1 "holds files named like LevelDB's \\(.*\\) but no 'CURRENT' file: a damaged store" ROOT "${damaged}" ARGS jobs)
cli(1 "a damaged store, or a directory that is not a store" ROOT "${damaged}" ARGS gc 1d)
dir_state("${damaged}" after)
if(NOT before STREQUAL after)
  message(FATAL_ERROR "the tool changed a damaged store:\nbefore ${before}\nafter  ${after}")
endif()

# No store there: an error, and nothing is created.
set(missing "${WORK_DIR}/missing/store")
cli(1 "there is no datachain store at" ROOT "${missing}" ARGS jobs)
cli(1 "there is no datachain store at" ROOT "${missing}" ARGS gc 7d)
if(EXISTS "${WORK_DIR}/missing")
  message(FATAL_ERROR "the tool created ${WORK_DIR}/missing")
endif()
file(MAKE_DIRECTORY "${WORK_DIR}/empty")
cli(1 "there is no datachain store at.*empty" ROOT "${WORK_DIR}/empty" ARGS datasets)
file(GLOB left "${WORK_DIR}/empty/*")
if(left)
  message(FATAL_ERROR "the tool wrote into an empty directory: ${left}")
endif()

# gc ages: refused before anything is opened (the missing store is not
# even looked at: exit 2, not 1).
foreach(bad abc -5 +5 9223372036854775807 106752d 7x 1.5h "7d " 3dd d)
  cli(2 "datachain gc: '.*' is not a valid age: .*30s, 15m, 4h, 7d" ROOT "${missing}" ARGS gc "${bad}")
  cli(2 "is not a valid age" ROOT "${missing}" ARGS gc --older-than "${bad}")
endforeach()
cli(2 "it has a sign" ROOT "${missing}" ARGS gc -5)
cli(2 "too large" ROOT "${missing}" ARGS gc 9223372036854775807)
cli(2 "'x' is not a unit" ROOT "${missing}" ARGS gc 7x)
cli(2 "--older-than: 1 required" ROOT "${missing}" ARGS gc --older-than)
cli(2 "not expected: 2d" ROOT "${missing}" ARGS gc 1d 2d)
cli(2 "gc --older-than 4h" ROOT "${missing}" ARGS gc)
cli(2 "'-1' is not a job id" ROOT "${missing}" ARGS events -1)
foreach(good 0 30 30s 15m 4h 7d 106751d --older-than)
  if(good STREQUAL "--older-than")
    cli(1 "there is no datachain store" ROOT "${missing}" ARGS gc --older-than 2h)
  else()
    cli(1 "there is no datachain store" ROOT "${missing}" ARGS gc ${good})
  endif()
endforeach()
if(EXISTS "${WORK_DIR}/missing")
  message(FATAL_ERROR "the tool created ${WORK_DIR}/missing")
endif()

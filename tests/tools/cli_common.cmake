# What the cli_*.cmake scripts share: run a command, check its exit code and
# output. Included by each script (cmake -P; CLI and `store` come from it).
#
#   run_checked(<exit code> <regex> <regex it must not match, or ""> COMMAND ...)
#   cli(<exit code> <regex> [ROOT <dir>] [NOT <regex>] [OUT <file>] [ROOT_AFTER] ARGS ...)
#       datachain --root <dir> ARGS... (<dir> defaults to ${store}; ROOT_AFTER
#       puts --root after the arguments, which the tool accepts anywhere, as
#       does setting CLI_ROOT_AFTER in the script; OUT
#       sends stdout to <file>, read back for the match)

function(_cli_checked what rc all expected regex notregex)
  if(NOT rc EQUAL expected)
    message(FATAL_ERROR "${what}: exit ${rc}, expected ${expected}:\n${all}")
  endif()
  if(NOT all MATCHES "${regex}")
    message(FATAL_ERROR "${what}: output does not match '${regex}':\n${all}")
  endif()
  if(NOT notregex STREQUAL "" AND all MATCHES "${notregex}")
    message(FATAL_ERROR "${what}: output matches '${notregex}':\n${all}")
  endif()
  message(STATUS "${what}: ok (${rc})")
endfunction()

function(run_checked expected regex notregex)
  cmake_parse_arguments(C "" "" "COMMAND" ${ARGN})
  execute_process(COMMAND ${C_COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  _cli_checked("${C_COMMAND}" "${rc}" "${out}${err}" "${expected}" "${regex}" "${notregex}")
endfunction()

function(cli expected regex)
  cmake_parse_arguments(C "ROOT_AFTER" "ROOT;NOT;OUT" "ARGS" ${ARGN})
  if(NOT DEFINED C_ROOT)
    set(C_ROOT "${store}")
  endif()
  if(C_ROOT_AFTER OR CLI_ROOT_AFTER)
    set(cmd "${CLI}" ${C_ARGS} --root "${C_ROOT}")
  else()
    set(cmd "${CLI}" --root "${C_ROOT}" ${C_ARGS})
  endif()
  if(C_OUT)
    execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_FILE "${C_OUT}" ERROR_VARIABLE err)
    file(READ "${C_OUT}" out)
  else()
    execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  endif()
  _cli_checked("datachain --root ${C_ROOT} ${C_ARGS}" "${rc}" "${out}${err}" "${expected}" "${regex}" "${C_NOT}")
endfunction()

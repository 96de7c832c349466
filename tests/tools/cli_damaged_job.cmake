# cmake -DCLI=... -DFIXTURE=... -DWORK_DIR=... -P cli_damaged_job.cmake
#
# One damaged job record (undecodable bytes under J+id) stops neither
# programs that do not need it nor listings: a program warns naming it, a
# program whose lineage goes through it fails saying so, 'jobs' lists the
# others and shows it damaged (exit 1), 'rm --job' drops it (and only it).
# Also: events --json says rows_before; a memory: root is refused.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
unset(ENV{DATACHAIN_ROOT})
set(S "${WORK_DIR}/store")

# run(<expected exit code> <regex the output must match> <NOT regex or "">
#     COMMAND ...)
function(run expected regex notregex)
  cmake_parse_arguments(C "" "" "COMMAND" ${ARGN})
  execute_process(COMMAND ${C_COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(all "${out}${err}")
  if(NOT rc EQUAL expected)
    message(FATAL_ERROR "${C_COMMAND}: exit ${rc}, expected ${expected}:\n${all}")
  endif()
  if(NOT all MATCHES "${regex}")
    message(FATAL_ERROR "${C_COMMAND}: output does not match '${regex}':\n${all}")
  endif()
  if(notregex AND all MATCHES "${notregex}")
    message(FATAL_ERROR "${C_COMMAND}: output matches '${notregex}':\n${all}")
  endif()
  message(STATUS "${C_COMMAND}: ok (${rc})")
endfunction()

run(0 "" "" COMMAND "${FIXTURE}" make "${S}")

# A program of another lineage runs, warning about job 2 and its key.
run(0 "warning: job 2 cannot be read.*rm --job 2.*key 4a0000000000000002" ""
    COMMAND "${FIXTURE}" run "${S}" a)
# A program whose lineage goes through job 2 fails, naming the damage.
run(1 "job record.*key 4a0000000000000002.*damaged" "" COMMAND "${FIXTURE}" run "${S}" b)

# jobs: every other job, job 2 as damaged with its key, exit 1.
run(1 "\n1 +complete.*\n2 +damaged.*rm --job 2.*4a0000000000000002.*1 job record cannot be read" ""
    COMMAND "${CLI}" --root "${S}" jobs)
run(1 "\"status\": *\"damaged\"" "" COMMAND "${CLI}" --root "${S}" --json jobs)
# events: the latest job's, with a warning about job 2; JSON says rows_before.
run(0 "warning: job 2 cannot be read" "" COMMAND "${CLI}" --root "${S}" events)
run(0 "\"rows_before\"" "rows_earlier" COMMAND "${CLI}" --root "${S}" --json events 1)
run(0 "compared with job|first recorded run" "" COMMAND "${CLI}" --root "${S}" explain d)

# rm --job: refuses a readable record, drops the damaged one.
run(1 "job 3 is readable" "" COMMAND "${CLI}" --root "${S}" rm --job 3)
run(0 "removed the damaged record of job 2" "" COMMAND "${CLI}" --root "${S}" rm --job 2)
run(0 "" "2 +damaged" COMMAND "${CLI}" --root "${S}" jobs)
run(0 "" "warning" COMMAND "${FIXTURE}" run "${S}" b)

# An in-memory store lives only inside its process.
run(2 "lives only inside the process" "run a program" COMMAND "${CLI}" --root memory:x jobs)

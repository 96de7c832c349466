# cmake -DCLI=... -DFIXTURE=... -DWORK_DIR=... -P cli_damaged_job.cmake
#
# One damaged job record (undecodable bytes under J+id) stops neither
# programs that do not need it nor listings: a program warns naming it, a
# program whose lineage goes through it fails saying so, 'jobs' lists the
# others and shows it damaged (exit 1), 'rm --job' drops it (and only it),
# and the next run of its lineage starts a new one.
# Also: events --json says rows_before; a memory: root is refused; verify
# on a store with no datasets says so; DATACHAIN_ROOT set but empty is a
# usage error (not the default ./.datachain).
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
unset(ENV{DATACHAIN_ROOT})
set(S "${WORK_DIR}/store")
include("${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake")   # cli(), run_checked()


run_checked(0 "" "" COMMAND "${FIXTURE}" make "${S}")

# A program of another lineage runs, warning about job 2 and its key.
run_checked(0 "warning: job 2 cannot be read.*rm --job 2.*key 4a0000000000000002" ""
    COMMAND "${FIXTURE}" run "${S}" a)
# A program whose lineage goes through job 2 fails, naming the damage.
run_checked(1 "job record.*key 4a0000000000000002.*damaged" "" COMMAND "${FIXTURE}" run "${S}" b)

# jobs: every other job, job 2 as damaged with its key, exit 1.
run_checked(1 "\n1 +complete.*\n2 +damaged.*rm --job 2.*4a0000000000000002.*1 job record cannot be read" ""
    COMMAND "${CLI}" --root "${S}" jobs)
run_checked(1 "\"status\": *\"damaged\"" "" COMMAND "${CLI}" --root "${S}" --json jobs)
# events: the latest job's, with a warning about job 2; JSON says rows_before.
run_checked(0 "warning: job 2 cannot be read" "" COMMAND "${CLI}" --root "${S}" events)
run_checked(0 "\"rows_before\"" "rows_earlier" COMMAND "${CLI}" --root "${S}" --json events 1)
run_checked(0 "compared with job|first recorded run" "" COMMAND "${CLI}" --root "${S}" explain d)

# rm --job: refuses a readable record, drops the damaged one.
run_checked(1 "job 3 is readable" "" COMMAND "${CLI}" --root "${S}" rm --job 3)
run_checked(0 "removed the damaged record of job 2" "" COMMAND "${CLI}" --root "${S}" rm --job 2)
run_checked(0 "" "2 +damaged" COMMAND "${CLI}" --root "${S}" jobs)
# The next run of lineage b (its latest job was 2) starts a new lineage, as
# README says: job 2's checkpoints and version are not reused, the chain
# computes as a first run.
run_checked(0 "no earlier run" "warning|skipped" COMMAND "${FIXTURE}" run "${S}" b)

# An in-memory store lives only inside its process.
run_checked(2 "lives only inside the process" "run a program" COMMAND "${CLI}" --root memory:x jobs)

# verify on a store with no datasets says so (it printed nothing).
run_checked(0 "" "" COMMAND "${FIXTURE}" empty "${WORK_DIR}/nodata")
run_checked(0 "no datasets in the store at .*nodata" "" COMMAND "${CLI}" --root "${WORK_DIR}/nodata" verify)

# DATACHAIN_ROOT set but empty: a usage error naming it, whatever the
# command; --root still wins. (set(ENV{X} "") would unset it: env(1) sets it.)
run_checked(2 "DATACHAIN_ROOT is set but empty" "" COMMAND env DATACHAIN_ROOT= "${CLI}" verify)
run_checked(2 "DATACHAIN_ROOT is set but empty" "" COMMAND env DATACHAIN_ROOT= "${CLI}" status)
run_checked(0 "no datasets in the store" "" COMMAND env DATACHAIN_ROOT= "${CLI}" --root "${WORK_DIR}/nodata" verify)

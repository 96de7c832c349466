# cmake -DCLI=... -DPROGRAM=... -DSAMPLE_DIR=... -DWORK_DIR=... -P cli_check.cmake
#
# Runs the quickstart twice (computed, then skipped), then checks what the
# datachain tool shows of the store: jobs, events, datasets (ls), explain, rm, gc
# (show, export, --json and status: cli_data.cmake).
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(store "${WORK_DIR}/store")
set(ENV{DATACHAIN_ROOT} "${store}")
set(ENV{DATACHAIN_QUIET} 1)

include("${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake")   # cli(), run_checked()

function(run_program)
  execute_process(COMMAND "${PROGRAM}" "${SAMPLE_DIR}" WORKING_DIRECTORY "${WORK_DIR}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PROGRAM} failed (${rc}):\n${out}\n${err}")
  endif()
endfunction()


run_program()
run_program()

cli(0 "^JOB +STATUS +PARENT +STARTED \\(UTC\\) +DURATION +NAME\n1 +complete +- +[0-9-]+T[0-9:]+Z +[0-9.]+s .*\n2 +complete +1 " ARGS jobs)
cli(0 "^job 2\nEVENT +STEP +DONE EARLIER +DONE NOW +TIME +WHY\n.*save_skipped +save\\(\"processed_files\"\\) -> processed_files@1\\.0\\.0 .*chain unchanged since job 1"
    ARGS events)
cli(0 "udf_from_scratch +map<result>\\(process\\).*save_completed" ARGS events 1)
# Each count says what it counts (rows here: a map; a gen's inputs, an agg's partitions).
cli(0 "udf_from_scratch +map<result>\\(process\\)[^\n]* +0 rows +[0-9]+ rows .*save_completed [^\n]* 0 rows +144 rows "
    ARGS events 1)
cli(0 "\"rows_now\": ?144, ?\"unit\": ?\"rows\"" ARGS --json events 1)
cli(0 "^NAME +VERSION +ROWS +SIZE +CREATED \\(UTC\\) +JOB +COLUMNS\nprocessed_files +1\\.0\\.0 +144 +[0-9.]+ [KM]?B +[0-9-]+T[0-9:]+Z +1 +\\(file: .*result: str\\)" ARGS datasets)
cli(0 "^NAME[^\n]*\nprocessed_files +1\\.0\\.0 +144 " ARGS ls processed_files)
cli(0 "filter\\(file\\.size > 15000\\).*compared with job 1: the chain is unchanged" ARGS explain processed_files)
cli(1 "no recorded chain saves \"nope\"" ARGS explain nope)
cli(2 "say which version: datachain rm processed_files@VERSION" ARGS rm processed_files)
cli(0 "removed processed_files@1\\.0\\.0" ARGS rm processed_files 1.0.0)
cli(1 "no dataset 'processed_files'" ARGS rm processed_files@1.0.0)
cli(0 "^NAME +VERSION[^\n]*\n$" ARGS datasets)

# The removed version's number is not reused; the UDF's own checkpoint still serves.
run_program()
cli(0 "processed_files +1\\.0\\.1 +144 " NOT "1\\.0\\.0" ARGS datasets)
cli(0 "udf_skipped.*save_completed.*version 1\\.0\\.0 of \"processed_files\" was removed" ARGS events 3)

# gc ages: a duration with a unit, required; garbage drops nothing.
cli(2 "gc --older-than 4h" ARGS gc)
cli(2 "is not a valid age" ARGS gc abc)
cli(2 "is not a valid age" ARGS gc -5)
cli(2 "is not a valid age" ARGS gc 9223372036854775807)
cli(0 "gc: removed 0 checkpoint records of 0 finished jobs" ARGS gc 7d)
cli(0 "gc: removed 0 checkpoint records of 0 finished jobs" ARGS gc --older-than 1h)
cli(0 "udf_skipped" ARGS events 3)
cli(0 "gc: removed [0-9]+ checkpoint records of [0-9]+ finished jobs .*, [0-9]+ tables .*; store compacted" ARGS gc 0)
cli(0 "processed_files +1\\.0\\.1 +144 " ARGS ls)
# gc starts no job: the latest job is still the program's.
cli(0 "udf_skipped.*save_completed" ARGS events)
cli(0 "^JOB[^\n]*\n1 +complete [^\n]*\n2 +complete [^\n]*\n3 +complete [^\n]*\n$" ARGS jobs)
cli(2 "'bogus' is not a command" ARGS bogus)
cli(2 "not expected: extra" ARGS jobs extra)
cli(2 "'abc' is not a job id" ARGS events abc)
cli(2 "'-1' is not a job id" ARGS events -1)
cli(1 "no job 999 in the store" ARGS events 999)
# verify reads every version in full.
cli(0 "ok +processed_files@1\\.0\\.1  144 rows" ARGS verify)
cli(0 "ok +processed_files@1\\.0\\.1  144 rows" ARGS verify processed_files@1.0.1)
cli(1 "no version 9\\.0\\.0 of dataset 'processed_files'" ARGS verify processed_files@9.0.0)
cli(1 "no dataset 'nope'" ARGS verify nope)

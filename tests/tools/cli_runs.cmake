# cmake -DCLI=... -DPROGRAM=... -DWORK_DIR=... -P cli_runs.cmake
#
# The datachain tool on a store written by runs of model_program
# (tests/model/model_program.cpp: one pipeline per SHAPE, saved as "out") in
# two lineages, "alpha" and "beta" (DATACHAIN_JOB_NAME):
#  - explain NAME compares the last job that saved NAME with its own parent,
#    never with a job of the other lineage (issue 7);
#  - jobs shows a failed job's stored error (issue 7, item 8), and status
#    exits 4 after it (issue 9, item 3);
#  - explain says when the run it explains, or the one it compares with,
#    failed, and why;
#  - gc --older-than 0s keeps what skipping needs: a rerun of an unchanged
#    program calls no UDF and makes no new version (issue 7, item 9).
# No compiler runs: model_program is built with the tests.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(store "${WORK_DIR}/store")
set(out_file "${WORK_DIR}/out.txt")
unset(ENV{DATACHAIN_ROOT})
unset(ENV{DATACHAIN_IGNORE_CHECKPOINTS})
unset(ENV{DATACHAIN_CHECKPOINTS})

# model(<job name> <expected exit> SHAPE V1 V2 V3 FAULT STEP N): one run of
# model_program with K -1, one thread and the first source; sets model_out
# (what the program wrote: "version V", "calls C1 C2 C3", rows; or "failed").
function(model job expected shape v1 v2 v3 fault step n)
  set(ENV{DATACHAIN_JOB_NAME} "${job}")
  file(REMOVE "${out_file}")
  execute_process(COMMAND "${PROGRAM}" "${store}" ${shape} ${v1} ${v2} ${v3} -1 ${fault} ${step} ${n} 1
                          "${out_file}" 0
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  unset(ENV{DATACHAIN_JOB_NAME})
  if(NOT rc EQUAL expected)
    message(FATAL_ERROR "model_program (${job}: shape ${shape} versions ${v1}${v2}${v3}, ${fault}): exit ${rc}, "
                        "expected ${expected}:\n${out}\n${err}")
  endif()
  set(text "")
  if(EXISTS "${out_file}")
    file(READ "${out_file}" text)
  endif()
  set(model_out "${text}" PARENT_SCOPE)
  message(STATUS "model_program ${job} shape ${shape} versions ${v1}${v2}${v3} ${fault}: exit ${rc}")
endfunction()

include("${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake")   # cli(), run_checked()

# expect(<regex> <text> <what>)
function(expect regex text what)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: does not match '${regex}':\n${text}")
  endif()
endfunction()


# ---- two lineages saving "out" -------------------------------------------------------
# Program A (alpha): shape 0; program B (beta): shape 2, another chain.
model(alpha 0 0 1 1 1 none 0 0)                              # job 1
expect("^version 1\\.0\\.0\ncalls 120 120 120\n" "${model_out}" "alpha, first run")
model(beta 0 2 1 1 1 none 0 0)                               # job 2
expect("^version 1\\.0\\.1\n" "${model_out}" "beta, first run")
model(alpha 0 0 1 1 1 none 0 0)                              # job 3, parent 1: skipped
expect("^version 1\\.0\\.0\ncalls 0 0 0\n" "${model_out}" "alpha, unchanged")
cli(0 "\n1 +complete +- [^\n]*\n2 +complete +- [^\n]*\n3 +complete +1 " ARGS jobs)

# The last job saving "out" is 3 (alpha): compared with its parent 1, not
# with job 2 of beta, the nearest earlier job that saved "out".
cli(0 "^job 3:\n.*\ncompared with job 1: the chain is unchanged\n" NOT "compared with job 2" ARGS explain out)
cli(0 "\"compared_with\": *1[,}]" ARGS explain out --json)
# Job 2 is beta's first run: nothing earlier in its lineage (job 1 is alpha's).
cli(0 "^job 2:\n.*first recorded run of this chain in its lineage" NOT "compared with" ARGS explain out@1.0.1)
cli(0 "\"compared_with\": *null" ARGS explain out@1.0.1 --json)

# Beta changes its first UDF's code: job 4, parent 2, compared with job 2.
model(beta 0 2 3 1 1 none 0 0)                               # job 4
expect("^version 1\\.0\\.2\n" "${model_out}" "beta, code changed")
cli(0 "^job 4:\n.*\ncompared with job 2: [^\n]*code changed" NOT "compared with job [13]" ARGS explain out)
cli(0 "\"compared_with\": *2[,}]" ARGS explain out --json)

# ---- a failed job's error --------------------------------------------------------------
# Alpha with changed code whose first UDF throws at its 5th call (input row 4).
model(alpha 1 0 3 1 1 throw 1 5)                             # job 5, parent 3: failed
expect("^failed\n.*injected failure" "${model_out}" "alpha, failing")
cli(0 "\n4 +complete +2 [^\n]*\n5 +failed +3 [^\n]*\n[^\n]*error: [^\n]*map<a>\\(f1\\)[^\n]* failed at input row 4 \\(counting from 0\\): injected failure"
    ARGS jobs)
cli(0 "\"id\": *5,[^{}]*\"status\": *\"failed\"[^{}]*\"error\": *\"[^\"]*failed at input row 4 \\(counting from 0\\): injected failure"
    ARGS jobs --json)
cli(0 "\"id\": *4,[^{}]*\"error\": *null" ARGS jobs --json)
# status: the last job failed and recorded it: exit 4 (0 is done, 3 crashed),
# its status printed all the same (issue 9, item 3: it exited 0).
cli(4 "^no job is running; the last, job 5, ended failed \\([^\n]*\\); 'datachain jobs' shows its error\n" ARGS status)
cli(4 "\"job\":5,[^{}]*\"state\":\"failed\"" ARGS status --json)
# explain of the failed run itself says that it failed, and why.
cli(0 "^job 5:\n.*\ncompared with job 3: [^\n]*code changed\njob 5 failed: [^\n]*injected failure" ARGS explain out)
cli(0 "\"status\": *\"failed\", *\"error\": *\"[^\"]*injected failure" ARGS explain out --json)
# The same program once its UDF no longer throws (job 6, parent 5): explain
# compares it with job 5, whose chain is the same, and says that job 5 failed
# and why ("unchanged" alone would read as if job 5 had saved it).
model(alpha 0 0 3 1 1 none 0 0)                              # job 6, parent 5: continues
expect("^version 1\\.0\\.3\n" "${model_out}" "alpha, fixed")
cli(0 "^no job is running; the last, job 6, ended complete " ARGS status)
cli(0 "^job 6:\n.*\ncompared with job 5: the chain is unchanged\njob 5 failed: [^\n]*injected failure" ARGS explain out)
cli(0 "\"compared_status\": *\"failed\"[^{}]*\"compared_error\": *\"[^\"]*injected failure" ARGS explain out --json)
cli(0 "^job 4:\n.*\ncompared with job 2: [^\n]*code changed\n$" ARGS explain out@1.0.2)
cli(0 "\"status\": *\"complete\", *\"error\": *null[^{}]*\"compared_status\": *null" ARGS explain out@1.0.2 --json)

# ---- gc keeps what skipping needs -------------------------------------------------------
cli(0 "Usage: datachain gc [^\n]*\n.*--older-than TEXT" ARGS gc --help)
cli(0 "gc: removed [1-9][0-9]* checkpoint records" ARGS gc --older-than 0s)
# Beta's last program again: skipped, no UDF call, the same version.
model(beta 0 2 3 1 1 none 0 0)                               # job 7, parent 4
expect("^version 1\\.0\\.2\ncalls 0 0 0\n" "${model_out}" "beta, unchanged after gc")
cli(0 "save_skipped" NOT "udf_|save_completed" ARGS events 7)
# Alpha's program A again (its lineage's last job, 6, ran other code): job
# 3's save checkpoint still names out@1.0.0, so it is skipped too.
model(alpha 0 0 1 1 1 none 0 0)                              # job 8, parent 6
expect("^version 1\\.0\\.0\ncalls 0 0 0\n" "${model_out}" "alpha, unchanged after gc")
cli(0 "save_skipped" NOT "udf_|save_completed" ARGS events 8)
# No new version of "out".
cli(0 "\nout +1\\.0\\.0 [^\n]*\nout +1\\.0\\.1 [^\n]*\nout +1\\.0\\.2 [^\n]*\nout +1\\.0\\.3 [^\n]*\n$" ARGS ls out)

# ---- a job's name is data ------------------------------------------------------------------
# Printed by jobs with its control characters escaped (issue 9, item 1):
# ESC c would reset the terminal, the newline would forge a row.
string(ASCII 27 esc)
model("gamma\n${esc}c" 0 0 1 1 1 none 0 0)                 # job 9, a lineage of its own
cli(0 "\n9 +complete +- +[^\n]* gamma\\\\n\\\\x1bc\n" NOT "${esc}|gamma\n" ARGS jobs)
cli(0 "\"id\": *9,[^{}]*\"name\": *\"gamma\\\\n\\\\u001bc\"" ARGS jobs --json)

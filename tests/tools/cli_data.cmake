# cmake -DCLI=... -DFIXTURE=... -DWORK_DIR=... -P cli_data.cmake
#
# The datachain tool's show, export, --json and status, against a store
# written by the fixture program (tests/tools/cli_fixture.cpp).
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(store "${WORK_DIR}/store")
unset(ENV{DATACHAIN_ROOT})
set(ENV{DATACHAIN_QUIET} 1)

function(fixture)
  execute_process(COMMAND "${FIXTURE}" ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cli_fixture ${ARGN} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "cli_fixture ${ARGN}: ok ${out}")
endfunction()


include("${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake")   # cli(), run_checked()
set(CLI_ROOT_AFTER ON)  # --root after the command here: it is accepted anywhere

# --json prints one JSON document, in valid UTF-8.
function(cli_json regex)
  set(f "${WORK_DIR}/out.json")
  cli(0 "" OUT "${f}" ARGS ${ARGN} --json)
  execute_process(COMMAND "${FIXTURE}" json "${f}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "${regex}")
    file(READ "${f}" text)
    message(FATAL_ERROR "datachain ${ARGN} --json: not JSON matching '${regex}' (${out}${err}):\n${text}")
  endif()
  message(STATUS "datachain ${ARGN} --json: ${out}")
endfunction()

fixture(write "${store}")

# ls: a header row, the version, its rows.
cli(0 "^NAME +VERSION +ROWS +SIZE +CREATED \\(UTC\\) +JOB +COLUMNS\nhostile +1\\.0\\.0 +14 " ARGS ls)
cli(1 "no dataset 'nope' in the store" ARGS ls nope)
# show: a header row of flat column names; control characters escaped.
cli(0 "^s +meta\\.label +meta\\.n +meta\\.x\n.*say \\\\\"hi\\\\\".*line1\\\\nline2" ARGS show hostile --limit 20)
cli(0 "\\(2 of 14 rows; --limit N shows more\\)" ARGS show hostile@1.0.0 -n 2)
cli(0 "^meta\\.x +s\n[^\n]+\n[^\n]+\n\\(2 of 14" ARGS show hostile -n 2 --columns meta.x,s)
cli(0 "hostile@1\\.0\\.0  14 rows  row codec 1\nCOLUMN +TYPE\ns +str\nmeta\\.label +str\nmeta\\.n +optional<int32>\nmeta\\.x +f64"
    ARGS show hostile --schema)
cli(1 "no dataset 'nope'" ARGS show nope)
cli(1 "no version 1\\.0\\.7 of dataset 'hostile'.*datachain ls hostile" ARGS show hostile@1.0.7)
cli(2 "invalid dataset version '1\\.x'" ARGS show hostile@1.x)
cli(1 "no column 'meta\\.nope'; the columns are: s, meta\\.label, meta\\.n, meta\\.x" ARGS show hostile -c meta.nope)
cli(2 "'bogus' is not a command; the commands are: ls, " ARGS bogus)
cli(2 "--format is required" ARGS export hostile)
cli(2 "'xml' is not a format" ARGS export hostile --format xml)
# --limit is a whole number of rows; a column is selected once.
cli(2 "--limit: '-1' is not a number of rows; give a whole number, 0 or more" ARGS export hostile -f csv --limit -1)
cli(2 "--limit: '-1' is not a number of rows" ARGS show hostile -n -1)
cli(2 "--limit: '2x' is not a number of rows" ARGS show hostile -n 2x)
cli(2 "column 's' is selected twice; name each column once" ARGS export hostile -f csv -c s,s -o "${WORK_DIR}/dup.csv")
if(EXISTS "${WORK_DIR}/dup.csv")
  message(FATAL_ERROR "export with a column selected twice created its file")
endif()
cli(2 "column 'meta\\.x' is selected twice \\('meta' includes it\\)" ARGS show hostile -c meta.x,meta)
# show pads by what a terminal shows: "café" is 5 bytes and 4 columns, the
# emoji 4 bytes and 2 columns; the s column is 18 columns wide, plus 2.
string(REPEAT " " 16 after_cafe)
string(REPEAT " " 18 after_emoji)
cli(0 "\ncafé${after_cafe},\n.*\n😀${after_emoji}a,b\n" ARGS show hostile -c s,meta.label)

# A bad value is echoed with its control characters escaped, on one line.
string(ASCII 27 esc)
cli(2 "invalid dataset name 'a\\\\nb'" NOT "a\nb" ARGS show "a\nb")
cli(2 "invalid dataset version '1\\\\n0\\.0'" NOT "1\n0" ARGS show "hostile@1\n0.0")
cli(2 "--limit: '1\\\\n2' is not a number of rows" NOT "1\n2" ARGS show hostile -n "1\n2")
# (no '[' in an argument: CMake's lists would not split after it)
cli(2 "'x\\\\x1b7' is not a format" NOT "${esc}" ARGS export hostile -f "x${esc}7")
cli(2 "'1\\\\n' is not a job id" NOT "'1\n" ARGS events "1\n")
cli(2 "'4\\\\nh' is not a valid age: '\\\\nh' is not a unit" NOT "4\nh" ARGS gc "4\nh")
cli(2 "'bo\\\\ngus' is not a command" NOT "bo\ngus" ARGS "bo\ngus")
cli(2 "not expected: x\\\\ny" NOT "x\ny" ARGS jobs "x\ny")
cli(1 "there is no datachain store at '[^'\n]*/no\\\\nstore'" ROOT "${WORK_DIR}/no\nstore" ARGS status)
cli(1 "there is no datachain store at '[^'\n]*/no\\\\nstore'" ROOT "${WORK_DIR}/no\nstore" ARGS jobs)

# export: round trips, to standard output and to a new file.
cli(0 "" OUT "${WORK_DIR}/stdout.csv" ARGS export hostile --format csv)
fixture(check "${store}" csv "${WORK_DIR}/stdout.csv")
cli(0 "14 rows of hostile@1\\.0\\.0 written to" ARGS export hostile@1.0.0 -f jsonl -o "${WORK_DIR}/out.jsonl")
fixture(check "${store}" jsonl "${WORK_DIR}/out.jsonl")
cli(0 "14 rows" ARGS export hostile -f csv -o "${WORK_DIR}/out.csv")
fixture(check "${store}" csv "${WORK_DIR}/out.csv")
file(WRITE "${WORK_DIR}/mine.csv" "my data\n")
cli(1 "cannot create .*mine\\.csv.*never overwritten" ARGS export hostile -f csv -o "${WORK_DIR}/mine.csv")
file(READ "${WORK_DIR}/mine.csv" mine)
if(NOT mine STREQUAL "my data\n")
  message(FATAL_ERROR "export overwrote a file it did not create")
endif()

# --json on every listing.
cli_json("^json array 1\n" ls)
cli_json("^json array 14\n" show hostile -n 100)
cli_json("^json object 5\n" show hostile --schema)
cli_json("^json array [0-9]+\n" jobs)
cli_json("^json array [0-9]+\n" events)
cli_json("^json object 9\n" explain hostile)
cli_json("^json array 1\n" verify)
cli_json("^json object 5\n" gc --older-than 4h)

# show keeps a float's sign, NaN's too (nan, -nan), as CSV export writes it;
# JSON has no NaN or infinity (null).
fixture(floats "${WORK_DIR}/floats")
cli(0 "^d +f\nnan +nan\n-nan +-nan\ninf +inf\n-inf +-inf\n-0 +-0\n1\\.5 +1\\.5\n$" ROOT "${WORK_DIR}/floats"
    ARGS show floats)
# (execute_process gives CSV's CRLF as LF)
cli(0 "^d,f\r?\nnan,nan\r?\n-nan,-nan\r?\ninf,inf\r?\n-inf,-inf\r?\n-0,-0\r?\n1\\.5,1\\.5\r?\n$"
    ROOT "${WORK_DIR}/floats" ARGS export floats -f csv)
cli(0 "^\\[{\"d\":null,\"f\":null},\n {\"d\":null,\"f\":null},\n" ROOT "${WORK_DIR}/floats" ARGS show floats --json)

# A version whose rows cannot be read: ls lists every version, marks that one
# damaged, and exits 1 naming it (never a listing silently short).
set(good_store "${store}")
set(store "${WORK_DIR}/damaged")
fixture(damaged "${store}")
cli(1 "^NAME +VERSION +ROWS +SIZE +CREATED \\(UTC\\) +JOB +COLUMNS\nbad +1\\.0\\.0 +20 +damaged: checksum mismatch +[^\n]+\ngood +1\\.0\\.0 +3 +[0-9]+ B +[^\n]+\n.*1 of 2 versions listed cannot be read \\(the others are fine\\):\n  bad@1\\.0\\.0: .*checksum mismatch.*datachain verify NAME' reads a dataset in full; the store's files are damaged \\(removing a version does not repair them.*restore the store from a backup, or start a fresh store"
    ARGS ls)
cli(1 "" OUT "${WORK_DIR}/damaged.json" ARGS ls --json)
execute_process(COMMAND "${FIXTURE}" json "${WORK_DIR}/damaged.json" OUTPUT_VARIABLE out)
file(READ "${WORK_DIR}/damaged.json" text)
if(NOT out MATCHES "^json array 2\n" OR NOT text MATCHES "\"name\":\"bad\".*\"bytes\":null.*\"damaged\":\"[^\"]*checksum mismatch"
   OR NOT text MATCHES "\"name\":\"good\".*\"damaged\":null")
  message(FATAL_ERROR "ls --json on a damaged store (${out}):\n${text}")
endif()
set(store "${good_store}")

# A version saved before schemas were stored: said so, with what to do.
fixture(legacy "${store}")
cli(1 "has no stored schema: it was saved by an earlier build.*DATACHAIN_IGNORE_CHECKPOINTS=1" ARGS show hostile)
cli(1 "has no stored schema" ARGS export hostile -f csv)
cli(0 "^NAME.*\nhostile +1\\.0\\.0" ARGS ls)

# status: before any program reports, while one runs, after it ends or is killed.
cli(0 "\"state\":\"complete\"" ARGS status --json)
fixture(status "${CLI}" "${store}")
# Its last status file names a job that crashed: exit 3, with the status
# printed all the same (text or JSON); exit 1 stays "an error".
cli(3 "^job 9 \\(pid [0-9]+\\) crashed: no end was recorded \\(the program crashed, was killed, or could not write its failure\\) and its process is gone.*'datachain events 9' shows what it did" ARGS status)
cli(3 "\"state\":\"crashed\"" ARGS status --json)
# A status file that is not one is an error naming it, exit 1: never "no
# program has reported" (exit 0). Listings are not stopped by it.
set(status_file "${store}/datachain-status")
file(WRITE "${status_file}" "garbage\n")
cli(1 "^datachain: the status file '[^\n]*/datachain-status' is not a status file datachain wrote \\(line 1, 'garbage', is not 'key value'\\); remove it"
    NOT "no program has reported" ARGS status)
cli(1 "is not a status file datachain wrote" NOT "\"state\"" ARGS status --json)
cli(0 "crashed" ARGS jobs)
file(WRITE "${status_file}" "format 1\njob 3\ndone many\n")
cli(1 "its done, 'many', is not a number" ARGS status)
file(WRITE "${status_file}" "format 3\njob 12\nsomething new\n")
cli(1 "the status file '[^\n]*/datachain-status' has format 3: it was written by a newer datachain \\(this one reads format 1\\); use the datachain tool"
    ARGS status)
file(REMOVE "${status_file}")
file(MAKE_DIRECTORY "${status_file}")
cli(1 "cannot read the status file '[^\n]*/datachain-status': Is a directory" ARGS status)
file(REMOVE_RECURSE "${status_file}")
cli(0 "no program has reported" ARGS status)
cli(0 "crashed" ARGS jobs)
cli(0 "removed hostile@1\\.0\\.0" ARGS rm hostile@1.0.0)
cli(1 "no dataset 'hostile'" ARGS rm hostile@1.0.0)

# Data is printed with its control characters escaped (issue 9, item 1): a
# file name in events and explain (--json keeps it, JSON-escaped), a status
# file's step. ESC c would reset a terminal.
set(store "${WORK_DIR}/files")
fixture(files "${store}" "${WORK_DIR}/files_data")
cli(0 "1 added \\(new\\\\n\\\\x1bcforged\\.txt\\)" NOT "${esc}|new\n" ARGS events)
cli(0 "1 added \\(new\\\\n\\\\u001bcforged\\.txt\\)" ARGS events --json)
cli(0 "\ncompared with job 1: [^\n]*1 added \\(new\\\\n\\\\x1bcforged\\.txt\\)" NOT "${esc}|new\n"
    ARGS explain files)
set(status_file "${store}/datachain-status")
file(WRITE "${status_file}" "format 1\njob 2\npid 1\nstate complete\nstep map<a>(f)${esc}c\ndone 1\ntotal 2\n"
                            "earlier 0\nunit rows\nstarted 1\nupdated 2\n")
cli(0 "\n  step map<a>\\(f\\)\\\\x1bc: 1/2 \\(50%\\) rows, updated" NOT "${esc}" ARGS status)
# A unit no writer writes is an error naming the file and the line, escaped.
file(WRITE "${status_file}" "format 1\njob 2\npid 1\nstate complete\nunit ${esc}[2Jrows\n")
cli(1 "the status file '[^\n]*/datachain-status' is not a status file datachain wrote \\(its unit, '\\\\x1b\\[2Jrows' \\(line 5\\), is not rows, inputs or partitions\\)"
    NOT "${esc}" ARGS status)
# A failed job's status file: exit 4 (issue 9, item 3).
file(WRITE "${status_file}" "format 1\njob 2\npid 1\nstate failed\nstep map<a>(f)\ndone 1\ntotal 2\n")
cli(4 "^no job is running; the last, job 2, ended failed" ARGS status)

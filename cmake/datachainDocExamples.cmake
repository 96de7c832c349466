# datachain_doc_examples(SOURCES <file>... ROOT <dir> PRELUDE <header>
#                        OUTPUT_DIR <dir> OUT_VAR <var>)
#
# Cuts the ```cpp blocks out of Markdown files (fences at the start of a line)
# and C++ headers (fences in // comments: `// ```cpp` ... `// ````, the
# comment prefix "// " removed from each line), writes one translation unit
# per block into OUTPUT_DIR and sets <var> to their paths. A block with
# `int main` or an #include is written as is (after a #line naming its
# source); any other block becomes the body of a function, after PRELUDE. In
# Markdown, a block right after the line `<!-- example: not compiled -->` is
# skipped. Used by tests/docs/CMakeLists.txt.
include_guard(GLOBAL)

function(_datachain_write_example out_var file line_no block kind n prelude outdir root)
  file(RELATIVE_PATH rel "${root}" "${file}")
  string(MAKE_C_IDENTIFIER "${rel}" id)
  set(tu "${outdir}/${id}_${n}.cpp")
  if(block MATCHES "int main" OR block MATCHES "#include")
    set(content "// Generated from ${rel}:${line_no} (tests/docs): must compile.\n#line ${line_no} \"${file}\"\n${block}")
  else()
    set(content "// Generated from ${rel}:${line_no} (tests/docs): must compile.
#include \"${prelude}\"
${kind}
namespace {
using namespace docs;
[[maybe_unused]] void example([[maybe_unused]] dc::session& s) {
    [[maybe_unused]] auto pipeline = dc::read_storage(\"data/\") | dc::map<\"result\">(process) | dc::save(\"processed_files\");
    {   // a block of its own: the example may declare its own `s`
#line ${line_no} \"${file}\"
${block}
    }
}
} // namespace
")
  endif()
  file(CONFIGURE OUTPUT "${tu}" CONTENT "${content}" @ONLY)
  set(${out_var} "${tu}" PARENT_SCOPE)
endfunction()

function(datachain_doc_examples)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "ROOT;PRELUDE;OUTPUT_DIR;OUT_VAR" "SOURCES")
  file(REMOVE_RECURSE "${arg_OUTPUT_DIR}")
  set(tus "")
  foreach(file IN LISTS arg_SOURCES)
    if(file MATCHES "\\.md$")
      set(open_re "^```cpp[ \t]*$")
      set(close_re "^```[ \t]*$")
      set(header "")
    else()
      set(open_re "^[ \t]*//[ \t]*```cpp[ \t]*$")
      set(close_re "^[ \t]*//[ \t]*```[ \t]*$")
      # Fragments of a header see that header first, as a user's would.
      file(RELATIVE_PATH inc "${arg_ROOT}/include" "${file}")
      set(header "#include <${inc}>")
    endif()
    file(READ "${file}" text)
    string(REPLACE ";" "<dc-semicolon>" text "${text}")
    string(REPLACE "\n" ";" lines "${text}")
    set(in_block OFF)
    set(skip_next OFF)
    set(line_no 0)
    set(n 0)
    foreach(line IN LISTS lines)
      math(EXPR line_no "${line_no} + 1")
      if(NOT in_block)
        if(line MATCHES "<!-- example: not compiled -->")
          set(skip_next ON)
        elseif(line MATCHES "${open_re}")
          set(in_block ON)
          set(skip ${skip_next})
          set(skip_next OFF)
          set(block "")
          math(EXPR start "${line_no} + 1")
        elseif(NOT line STREQUAL "")
          set(skip_next OFF)
        endif()
      elseif(line MATCHES "${close_re}")
        set(in_block OFF)
        if(NOT skip)
          math(EXPR n "${n} + 1")
          string(REPLACE "<dc-semicolon>" ";" block "${block}")
          _datachain_write_example(tu "${file}" ${start} "${block}" "${header}" ${n}
            "${arg_PRELUDE}" "${arg_OUTPUT_DIR}" "${arg_ROOT}")
          list(APPEND tus "${tu}")
        endif()
      else()
        if(NOT header STREQUAL "")
          # (not REGEX REPLACE: its "^" matches again after a replacement)
          if(line MATCHES "^[ \t]*// ?(.*)$")
            set(line "${CMAKE_MATCH_1}")
          endif()
        endif()
        string(APPEND block "${line}\n")
      endif()
    endforeach()
    if(in_block)
      message(FATAL_ERROR "${file}: a ```cpp block is not closed")
    endif()
  endforeach()
  set(${arg_OUT_VAR} "${tus}" PARENT_SCOPE)
endfunction()

# datachain_doc_examples(SOURCES <file>... ROOT <dir> PRELUDE <header>
#                        OUTPUT_DIR <dir> OUT_VAR <var> COUNT_VAR <var>)
#
# Cuts the ```cpp blocks out of Markdown files (fences at the start of a line)
# and C++ headers (fences in // comments: `// ```cpp` ... `// ````, the
# comment prefix "// " removed from each line) into translation units in
# OUTPUT_DIR, sets <OUT_VAR> to their paths and <COUNT_VAR> to the number of
# blocks. A block with `int main` or an #include is a whole file, written as
# is into a unit of its own (after a #line naming its source), so that its
# own #includes are what it compiles with. Any other block is a fragment:
# the body of a function in a namespace of its own, in one of two shared
# units that include PRELUDE and the headers the fragments come from. In
# Markdown, a block right after the line `<!-- example: not compiled -->` is
# skipped. Used by tests/docs/CMakeLists.txt.
include_guard(GLOBAL)

# A whole-file block: its own translation unit, as the reader would compile it.
function(_datachain_write_example out_var file line_no block n outdir root)
  file(RELATIVE_PATH rel "${root}" "${file}")
  string(MAKE_C_IDENTIFIER "${rel}" id)
  set(tu "${outdir}/${id}_${n}.cpp")
  set(content "// Generated from ${rel}:${line_no} (tests/docs): must compile.\n#line ${line_no} \"${file}\"\n${block}")
  file(CONFIGURE OUTPUT "${tu}" CONTENT "${content}" @ONLY)
  set(${out_var} "${tu}" PARENT_SCOPE)
endfunction()

# A fragment: the body of a function in a namespace of its own, appended to
# one of the shared fragment translation units (the library's headers are
# parsed once per unit, not once per fragment: ~6 s of compiler time each).
function(_datachain_fragment out_var file line_no block n root)
  file(RELATIVE_PATH rel "${root}" "${file}")
  string(MAKE_C_IDENTIFIER "${rel}" id)
  set(${out_var} "
// From ${rel}:${line_no}
namespace ${id}_${n} {
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
} // namespace ${id}_${n}
" PARENT_SCOPE)
endfunction()

function(datachain_doc_examples)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "ROOT;PRELUDE;OUTPUT_DIR;OUT_VAR;COUNT_VAR" "SOURCES")
  file(REMOVE_RECURSE "${arg_OUTPUT_DIR}")
  set(tus "")
  set(groups 2)  # fragment translation units: one per core of the machines that build this
  set(fragments 0)
  set(blocks 0)
  set(fragment_headers "")
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
          math(EXPR blocks "${blocks} + 1")
          string(REPLACE "<dc-semicolon>" ";" block "${block}")
          if(block MATCHES "int main" OR block MATCHES "#include")
            _datachain_write_example(tu "${file}" ${start} "${block}" ${n} "${arg_OUTPUT_DIR}" "${arg_ROOT}")
            list(APPEND tus "${tu}")
          else()
            _datachain_fragment(code "${file}" ${start} "${block}" ${n} "${arg_ROOT}")
            math(EXPR group "${fragments} % ${groups}")
            string(APPEND fragments_${group} "${code}")
            math(EXPR fragments "${fragments} + 1")
            if(NOT header STREQUAL "")
              list(APPEND fragment_headers "${header}")
            endif()
          endif()
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
  if(fragments GREATER 0)
    list(REMOVE_DUPLICATES fragment_headers)
    list(JOIN fragment_headers "\n" includes)
    math(EXPR last "${groups} - 1")
    foreach(group RANGE ${last})
      if(NOT DEFINED fragments_${group})
        continue()
      endif()
      set(tu "${arg_OUTPUT_DIR}/fragments_${group}.cpp")
      file(CONFIGURE OUTPUT "${tu}" CONTENT "// Generated (tests/docs): documentation fragments, each in a namespace of its own; must compile.
#include \"${arg_PRELUDE}\"
${includes}
${fragments_${group}}" @ONLY)
      list(APPEND tus "${tu}")
    endforeach()
  endif()
  set(${arg_OUT_VAR} "${tus}" PARENT_SCOPE)
  set(${arg_COUNT_VAR} ${blocks} PARENT_SCOPE)
endfunction()

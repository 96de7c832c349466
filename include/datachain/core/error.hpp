// The exceptions datachain throws. Every message says what went wrong, where
// (step, row, file, store path) and what to do about it.
//
//   try { pipeline.run(); }
//   catch (const datachain::udf_error& e) { e.step(); e.row(); e.path(); }
//   catch (const datachain::error& e) { e.kind(); e.what(); }
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace datachain {

enum class error_kind {
    io,             // a file or directory could not be read or written
    store_locked,   // another process holds the store
    store_format,   // unknown or newer store format
    store_corrupt,  // the store's bytes do not decode
    store_io,       // the store could not write (disk full, permissions)
    invalid_name,   // a dataset name or version that is not valid
    not_found,      // a dataset, version or job that does not exist
    schema_mismatch,// stored rows do not have the schema the program expects
    udf,            // a user function threw
    decode,         // a row's bytes do not decode
    usage,          // the API was used in a way it does not support
};

class error : public std::runtime_error {
public:
    error(error_kind k, const std::string& msg) : std::runtime_error{msg}, kind_{k} {}
    error_kind kind() const noexcept { return kind_; }

private:
    error_kind kind_;
};

// Thrown when a UDF throws: names the step, the input row's index and, when
// the row has a File, its path. The original exception is nested
// (std::rethrow_if_nested(e) reaches it).
class udf_error : public error {
public:
    udf_error(const std::string& msg, std::string step, std::uint64_t row, std::string path)
        : error{error_kind::udf, msg}, step_{std::move(step)}, row_{row}, path_{std::move(path)} {}
    const std::string& step() const noexcept { return step_; }
    std::uint64_t row() const noexcept { return row_; }
    const std::string& path() const noexcept { return path_; }

private:
    std::string step_;
    std::uint64_t row_;
    std::string path_;
};

} // namespace datachain

// Errors raised by the pure core. The PostgreSQL layer turns them into
// ereport(ERROR) with the same SQLSTATE, message, detail and hint.
#pragma once

#include <stdexcept>
#include <string>

namespace pg_tviews {

struct TviewError : std::runtime_error {
    std::string sqlstate;  // five characters, e.g. "42P01"
    std::string detail;
    std::string hint;

    TviewError(std::string state, const std::string& message,
               std::string detail_text = {}, std::string hint_text = {})
        : std::runtime_error(message),
          sqlstate(std::move(state)),
          detail(std::move(detail_text)),
          hint(std::move(hint_text)) {}
};

// SQLSTATEs used by the engine (names as in PostgreSQL's errcodes.txt).
namespace sqlstate {
inline constexpr const char* kInvalidName = "42602";            // invalid_name
inline constexpr const char* kUndefinedTable = "42P01";         // undefined_table
inline constexpr const char* kUndefinedColumn = "42703";        // undefined_column
inline constexpr const char* kDuplicateTable = "42P07";         // duplicate_table
inline constexpr const char* kDuplicateColumn = "42701";        // duplicate_column
inline constexpr const char* kWrongObjectType = "42809";        // wrong_object_type
inline constexpr const char* kFeatureNotSupported = "0A000";    // feature_not_supported
inline constexpr const char* kInvalidDefinition = "42P17";      // invalid_object_definition
inline constexpr const char* kDatatypeMismatch = "42804";       // datatype_mismatch
inline constexpr const char* kUniqueViolation = "23505";        // unique_violation
inline constexpr const char* kNotNullViolation = "23502";       // not_null_violation
inline constexpr const char* kInvalidRecursion = "42P19";       // invalid_recursive_definition
inline constexpr const char* kProgramLimitExceeded = "54000";   // program_limit_exceeded
inline constexpr const char* kDependentObjects = "2BP01";    // dependent_objects_still_exist
inline constexpr const char* kSerializationFailure = "40001";  // serialization_failure
inline constexpr const char* kNoDataFound = "P0002";           // no_data_found
inline constexpr const char* kInternalError = "XX000";          // internal_error
inline constexpr const char* kUndefinedObject = "42704";        // undefined_object
inline constexpr const char* kInsufficientPrivilege = "42501";  // insufficient_privilege
inline constexpr const char* kNameTooLong = "42622";            // name_too_long
inline constexpr const char* kInvalidParameterValue = "22023";  // invalid_parameter_value
inline constexpr const char* kNullValueNotAllowed = "22004";    // null_value_not_allowed
inline constexpr const char* kQueryCanceled = "57014";          // query_canceled
}  // namespace sqlstate

}  // namespace pg_tviews

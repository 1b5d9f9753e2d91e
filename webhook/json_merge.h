// Small JSON helpers for "ensure" style edits of Kubernetes objects: an edit
// only happens when the object does not already say what we want, so running
// the mutation on its own output (or on the API server's defaulted copy of it)
// changes nothing.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace rc::webhook {

// True when every field of `want` is in `have` with a covering value: objects
// may carry extra keys (API server defaults such as terminationMessagePath),
// arrays must have the same length and cover element by element, scalars equal.
bool Covers(const nlohmann::json& have, const nlohmann::json& want);

// Returns obj[key], making it an array when it is missing or null.
nlohmann::json& ArrayAt(nlohmann::json& obj, const char* key);

// Returns obj[key], making it an object when it is missing or null.
nlohmann::json& ObjectAt(nlohmann::json& obj, const char* key);

// Index of the element of `array` whose "name" is `name`, or -1.
long IndexByName(const nlohmann::json& array, const std::string& name);

// Removes obj[key] when it is an empty array or object (keeps output tidy).
void EraseIfEmpty(nlohmann::json& obj, const char* key);

}  // namespace rc::webhook

namespace rc::webhook {
// obj[key] when obj is an object and the value is a string, else "" (never throws).
std::string StringField(const nlohmann::json& obj, const char* key);
}  // namespace rc::webhook

namespace rc::webhook {
// obj[key] by reference when obj is an object holding key, else a null (never
// copies, never throws).
const nlohmann::json& FieldRef(const nlohmann::json& obj, const char* key);
}  // namespace rc::webhook

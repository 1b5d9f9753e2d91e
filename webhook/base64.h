// Standard base64 (RFC 4648, with padding), as Kubernetes uses for `patch`;
// OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock underneath.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rc::webhook {

std::string Base64Encode(std::string_view bytes);
// nullopt when `text` is not valid padded base64 (no whitespace, no line breaks).
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace rc::webhook

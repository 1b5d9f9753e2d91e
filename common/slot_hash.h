// Redis Cluster key -> hash slot, exactly as the cluster specification defines
// it: CRC16 (XMODEM: poly 0x1021, init 0, no reflection) of the key, or of the
// hash tag when the key holds a non-empty {...}, modulo 16384.
#pragma once

#include <cstdint>
#include <string_view>

namespace rc {

inline constexpr int kSlotCount = 16384;

uint16_t Crc16(std::string_view data);

// The part of `key` that is hashed: the first {...} with something inside,
// else the whole key.
std::string_view HashTag(std::string_view key);

int KeySlot(std::string_view key);

}  // namespace rc

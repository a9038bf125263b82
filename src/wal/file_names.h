// Names of the files the WAL and the snapshotter own.
//   WAL segment:   %016x-%016x.wal   (sequence number, first raft index)
//   snapshot:      %016x-%016x.snap  (term, index)
// Both sort by name in numeric order, since the fields are fixed-width hex.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace etcd::wal {

inline constexpr std::string_view kSegmentSuffix = ".wal";
inline constexpr std::string_view kSnapSuffix = ".snap";
inline constexpr std::string_view kTempSuffix = ".tmp";
inline constexpr std::string_view kBrokenSuffix = ".broken";

std::string SegmentFileName(uint64_t seq, uint64_t first_index);
// True (and sets the outputs) when `name` is exactly a segment name.
bool ParseSegmentFileName(std::string_view name, uint64_t* seq, uint64_t* first_index);

std::string SnapFileName(uint64_t term, uint64_t index);
bool ParseSnapFileName(std::string_view name, uint64_t* term, uint64_t* index);

// dir + "/" + name (no doubled slash).
std::string JoinPath(std::string_view dir, std::string_view name);

}  // namespace etcd::wal

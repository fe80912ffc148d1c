// Durable storage of the scheduler's state as a log of opaque records plus a snapshot.
// The records are encoded by the caller (scheduler/storage_codec: storage.thrift
// Transactions in TCompactProtocol); the store only keeps them in order, durably.
//
// Invariant: Load() returns the newest snapshot and every record appended after it, in
// append order. A record is durable once Append returns OK (one fsync per call: group
// commit). Thread contract: one writer; not safe for concurrent calls.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;

namespace borealis::state {

struct Recovered {
  std::optional<std::string> snapshot;  // absent: start from empty
  std::vector<std::string> records;     // appended after the snapshot, in order
  // The sequence number of records[0] (records are numbered 1, 2, ... in append order, and
  // a snapshot does not restart the numbering); with no records, the next one's.
  uint64_t first_seq = 1;
};

class Store {
 public:
  virtual ~Store() = default;
  // Appends records as one atomic, durable transaction.
  virtual absl::Status Append(const std::vector<std::string>& records) = 0;
  // Replaces the snapshot and drops every record appended before this call.
  virtual absl::Status WriteSnapshot(const std::string& snapshot) = 0;
  virtual absl::StatusOr<Recovered> Load() = 0;
  // Records appended since the last snapshot.
  virtual uint64_t records_since_snapshot() const = 0;
  // The sequence number of the newest record appended or loaded (0: none ever).
  virtual uint64_t last_seq() const = 0;
};

// In memory; for tests and the simulator. Can be told to fail.
class MemoryStore final : public Store {
 public:
  absl::Status Append(const std::vector<std::string>& records) override;
  absl::Status WriteSnapshot(const std::string& snapshot) override;
  absl::StatusOr<Recovered> Load() override;
  uint64_t records_since_snapshot() const override { return records_.size(); }
  uint64_t last_seq() const override { return appended_; }
  void FailNextAppend(absl::Status s) { fail_next_ = std::move(s); }

 private:
  std::optional<std::string> snapshot_;
  std::vector<std::string> records_;
  uint64_t appended_ = 0;  // records ever appended
  absl::Status fail_next_;
};

class WalCheckpointer;

// SQLite in WAL mode, synchronous=FULL, under a data directory. Each record carries a
// checksum that Load verifies, so a damaged record is reported, never replayed.
//
// Checkpoints (copying the WAL into the database file) run on a thread of their own with
// its own connection, so that no Append waits for one: SQLite's automatic checkpoint runs
// inside the commit that crosses its threshold and made that commit several milliseconds
// slower. Should the background checkpoints fall far behind, Append checkpoints itself, so
// the WAL stays bounded.
class SqliteStore final : public Store {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  ~SqliteStore() override;
  absl::Status Append(const std::vector<std::string>& records) override;
  absl::Status WriteSnapshot(const std::string& snapshot) override;
  absl::StatusOr<Recovered> Load() override;
  uint64_t records_since_snapshot() const override { return since_snapshot_; }
  uint64_t last_seq() const override { return last_seq_; }
  // Checkpoints done by the background thread, and by Append itself (the fallback).
  uint64_t background_checkpoints() const;
  uint64_t inline_checkpoints() const { return inline_checkpoints_; }

  // WAL pages after which the background thread is asked to checkpoint, and after which
  // Append checkpoints itself.
  static constexpr int kCheckpointPages = 1000;
  static constexpr int kInlineCheckpointPages = 4 * kCheckpointPages;

 private:
  explicit SqliteStore(::sqlite3* db);
  absl::Status Exec(const char* sql);
  static int OnWalCommit(void* store, ::sqlite3* db, const char* name, int pages);
  ::sqlite3* db_;
  uint64_t since_snapshot_ = 0;
  uint64_t last_seq_ = 0;
  std::unique_ptr<WalCheckpointer> checkpointer_;
  uint64_t inline_checkpoints_ = 0;
};

// 64-bit FNV-1a of the bytes; the record checksum.
uint64_t Checksum(const std::string& bytes);

}  // namespace borealis::state

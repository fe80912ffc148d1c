#include "borealis/state/store.h"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "borealis/base/mutex.h"
#include "borealis/base/status.h"

namespace borealis::state {

uint64_t Checksum(const std::string& bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// ---- MemoryStore ----

absl::Status MemoryStore::Append(const std::vector<std::string>& records) {
  if (!fail_next_.ok()) {
    absl::Status s = std::move(fail_next_);
    fail_next_ = absl::OkStatus();
    return s;
  }
  records_.insert(records_.end(), records.begin(), records.end());
  appended_ += records.size();
  return absl::OkStatus();
}

absl::Status MemoryStore::WriteSnapshot(const std::string& snapshot) {
  snapshot_ = snapshot;
  records_.clear();
  return absl::OkStatus();
}

absl::StatusOr<Recovered> MemoryStore::Load() {
  return Recovered{snapshot_, records_, appended_ - records_.size() + 1};
}

// ---- SqliteStore ----

namespace {

// Finalizes a prepared statement when it goes out of scope.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() {
    if (s) sqlite3_finalize(s);
  }
};

absl::Status SqliteError(sqlite3* db, const std::string& what) {
  return absl::InternalError(absl::StrCat("sqlite: ", what, ": ", sqlite3_errmsg(db)));
}

}  // namespace

// Runs PASSIVE checkpoints on its own connection and thread whenever poked. A passive
// checkpoint never blocks the writer: it copies the frames committed so far, and the
// writer's next transaction starts the WAL over once all of them are copied.
class WalCheckpointer {
 public:
  static absl::StatusOr<std::unique_ptr<WalCheckpointer>> Start(const std::string& path) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
      if (db) sqlite3_close(db);
      return absl::UnavailableError(
          absl::StrCat("cannot open store '", path, "' for checkpoints: ", msg));
    }
    // The checkpoint's fsync of the database file, as the writer's connection would.
    sqlite3_exec(db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
    return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(db));
  }
  ~WalCheckpointer() {
    {
      base::MutexLock l(&mu_);
      stop_ = true;
    }
    cv_.SignalAll();
    thread_.join();
    sqlite3_close(db_);
  }
  void Poke() ABSL_LOCKS_EXCLUDED(mu_) {
    {
      base::MutexLock l(&mu_);
      if (poked_) return;
      poked_ = true;
    }
    cv_.SignalAll();
  }
  uint64_t checkpoints() const { return checkpoints_.load(); }

 private:
  explicit WalCheckpointer(sqlite3* db) : db_(db), thread_([this] { Loop(); }) {}
  void Loop() ABSL_LOCKS_EXCLUDED(mu_) {
    mu_.Lock();
    for (;;) {
      while (!poked_ && !stop_) cv_.Wait(&mu_);
      if (stop_) break;
      poked_ = false;
      mu_.Unlock();
      // SQLITE_BUSY (another checkpoint, or the writer restarting the WAL) is retried at
      // the next poke; the writer's fallback bounds the WAL meanwhile.
      if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                    nullptr) == SQLITE_OK) {
        ++checkpoints_;
      }
      mu_.Lock();
    }
    mu_.Unlock();
  }

  sqlite3* db_;
  base::Mutex mu_;
  base::CondVar cv_;
  bool poked_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<uint64_t> checkpoints_{0};
  std::thread thread_;  // last: starts once the rest is constructed
};

int SqliteStore::OnWalCommit(void* arg, sqlite3* db, const char* name, int pages) {
  auto* store = static_cast<SqliteStore*>(arg);
  if (pages >= kInlineCheckpointPages) {  // the background thread is far behind
    if (sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) ==
        SQLITE_OK) {
      ++store->inline_checkpoints_;
    }
  } else if (pages >= kCheckpointPages && store->checkpointer_) {
    store->checkpointer_->Poke();
  }
  return SQLITE_OK;
}

SqliteStore::SqliteStore(sqlite3* db) : db_(db) {}

uint64_t SqliteStore::background_checkpoints() const {
  return checkpointer_ ? checkpointer_->checkpoints() : 0;
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    if (db) sqlite3_close(db);
    return absl::UnavailableError(absl::StrCat("cannot open store '", path, "': ", msg));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db));

  for (const char* sql : {
           "PRAGMA journal_mode=WAL",
           "PRAGMA synchronous=FULL",
           "CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
           "checksum INTEGER NOT NULL, data BLOB NOT NULL)",
           "CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), "
           "checksum INTEGER NOT NULL, data BLOB NOT NULL)",
       }) {
    absl::Status s = store->Exec(sql);
    if (!s.ok()) return s;
  }
  Stmt count;
  if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM log", -1, &count.s, nullptr) != SQLITE_OK ||
      sqlite3_step(count.s) != SQLITE_ROW) {
    return SqliteError(db, "count log");
  }
  store->since_snapshot_ = static_cast<uint64_t>(sqlite3_column_int64(count.s, 0));
  ASSIGN_OR_RETURN(store->checkpointer_, WalCheckpointer::Start(path));
  // Replaces SQLite's automatic checkpoint on this connection.
  sqlite3_wal_hook(db, &SqliteStore::OnWalCommit, store.get());
  return store;
}

SqliteStore::~SqliteStore() {
  checkpointer_.reset();  // its thread stops before the database closes
  sqlite3_close(db_);
}

absl::Status SqliteStore::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return absl::InternalError(absl::StrCat("sqlite: ", sql, ": ", msg));
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::Append(const std::vector<std::string>& records) {
  if (records.empty()) return absl::OkStatus();
  absl::Status s = Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  Stmt ins;
  if (sqlite3_prepare_v2(db_, "INSERT INTO log (checksum, data) VALUES (?, ?)", -1, &ins.s,
                         nullptr) != SQLITE_OK) {
    s = SqliteError(db_, "prepare insert");
  }
  for (size_t i = 0; s.ok() && i < records.size(); ++i) {
    const std::string& r = records[i];
    sqlite3_bind_int64(ins.s, 1, static_cast<sqlite3_int64>(Checksum(r)));
    sqlite3_bind_blob(ins.s, 2, r.data(), static_cast<int>(r.size()), SQLITE_STATIC);
    if (sqlite3_step(ins.s) != SQLITE_DONE) s = SqliteError(db_, "insert log record");
    sqlite3_reset(ins.s);
  }
  if (!s.ok()) {
    (void)Exec("ROLLBACK");
    return s;
  }
  s = Exec("COMMIT");
  if (!s.ok()) {
    (void)Exec("ROLLBACK");
    return s;
  }
  since_snapshot_ += records.size();
  last_seq_ = static_cast<uint64_t>(sqlite3_last_insert_rowid(db_));
  return absl::OkStatus();
}

absl::Status SqliteStore::WriteSnapshot(const std::string& snapshot) {
  absl::Status s = Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  Stmt put;
  if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO snapshot (id, checksum, data) VALUES (1, ?, ?)",
                         -1, &put.s, nullptr) != SQLITE_OK) {
    s = SqliteError(db_, "prepare snapshot");
  } else {
    sqlite3_bind_int64(put.s, 1, static_cast<sqlite3_int64>(Checksum(snapshot)));
    sqlite3_bind_blob(put.s, 2, snapshot.data(), static_cast<int>(snapshot.size()), SQLITE_STATIC);
    if (sqlite3_step(put.s) != SQLITE_DONE) s = SqliteError(db_, "write snapshot");
  }
  if (s.ok()) s = Exec("DELETE FROM log");
  if (s.ok()) s = Exec("COMMIT");
  if (!s.ok()) {
    (void)Exec("ROLLBACK");
    return s;
  }
  since_snapshot_ = 0;
  return absl::OkStatus();
}

absl::StatusOr<Recovered> SqliteStore::Load() {
  Recovered out;
  auto read_blob = [](sqlite3_stmt* st, int col) {
    const void* p = sqlite3_column_blob(st, col);
    int n = sqlite3_column_bytes(st, col);
    return std::string(static_cast<const char*>(p), p ? static_cast<size_t>(n) : 0);
  };
  {
    Stmt snap;
    if (sqlite3_prepare_v2(db_, "SELECT checksum, data FROM snapshot WHERE id = 1", -1, &snap.s,
                           nullptr) != SQLITE_OK) {
      return SqliteError(db_, "read snapshot");
    }
    int rc = sqlite3_step(snap.s);
    if (rc == SQLITE_ROW) {
      std::string data = read_blob(snap.s, 1);
      if (static_cast<uint64_t>(sqlite3_column_int64(snap.s, 0)) != Checksum(data)) {
        return absl::DataLossError("store: the snapshot's checksum does not match its data");
      }
      out.snapshot = std::move(data);
    } else if (rc != SQLITE_DONE) {
      return SqliteError(db_, "read snapshot");
    }
  }
  Stmt log;
  if (sqlite3_prepare_v2(db_, "SELECT seq, checksum, data FROM log ORDER BY seq", -1, &log.s,
                         nullptr) != SQLITE_OK) {
    return SqliteError(db_, "read log");
  }
  int rc;
  while ((rc = sqlite3_step(log.s)) == SQLITE_ROW) {
    const auto seq = static_cast<uint64_t>(sqlite3_column_int64(log.s, 0));
    if (out.records.empty()) out.first_seq = seq;
    last_seq_ = seq;
    std::string data = read_blob(log.s, 2);
    if (static_cast<uint64_t>(sqlite3_column_int64(log.s, 1)) != Checksum(data)) {
      return absl::DataLossError(absl::StrCat("store: log record ", sqlite3_column_int64(log.s, 0),
                                              " is damaged (checksum mismatch)"));
    }
    out.records.push_back(std::move(data));
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, "read log");
  if (out.records.empty()) {  // numbering goes on from the newest record ever appended
    Stmt last;
    if (sqlite3_prepare_v2(db_, "SELECT seq FROM sqlite_sequence WHERE name = 'log'", -1,
                           &last.s, nullptr) != SQLITE_OK) {
      return SqliteError(db_, "read the log's sequence");
    }
    if (sqlite3_step(last.s) == SQLITE_ROW) {
      last_seq_ = static_cast<uint64_t>(sqlite3_column_int64(last.s, 0));
    }
    out.first_seq = last_seq_ + 1;
  }
  return out;
}

}  // namespace borealis::state

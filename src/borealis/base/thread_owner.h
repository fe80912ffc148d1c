// ThreadOwner: a run-time check of "only the owner thread calls this". A class whose
// contract is "one thread (its loop) calls everything" holds one and calls Check() at the
// top of its public methods. The first Check() binds it to the calling thread (or
// BindToCurrentThread() does, explicitly); a call from any other thread afterwards writes
// "<class> called from thread X, but it belongs to thread Y" (Linux thread ids, as ps -L
// and gdb show them) to stderr and aborts, in every build type: the check is one atomic
// load and one compare, cheap next to the work such a method does.
//
// Set-up that runs before the owner thread takes over (a recovery on the thread that
// starts the daemon) opens a SetUpScope: it fails only when another thread already owns
// the object, and an owner that was unbound when it opened is unbound again when it
// closes, whatever the set-up called. CheckIfBound() checks without binding.
//
// Thread contract: every method may be called from any thread; that is what it checks.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <thread>

namespace borealis::base {

class ThreadOwner {
 public:
  // `what` names the owning class in the failure message; it must outlive the owner (a
  // string literal).
  explicit ThreadOwner(const char* what) : what_(what) {}
  ThreadOwner(const ThreadOwner&) = delete;
  ThreadOwner& operator=(const ThreadOwner&) = delete;

  // Binds to the calling thread when unbound; aborts when bound to another thread.
  void Check() {
    const std::thread::id me = std::this_thread::get_id();
    std::thread::id owner = owner_.load(std::memory_order_relaxed);
    if (owner == me) return;
    if (owner == std::thread::id() &&
        owner_.compare_exchange_strong(owner, me, std::memory_order_relaxed)) {
      RecordOwnerTid();
      return;
    }
    Fail();
  }
  // Aborts when bound to another thread; leaves an unbound owner unbound.
  void CheckIfBound() const {
    const std::thread::id owner = owner_.load(std::memory_order_relaxed);
    const std::thread::id me = std::this_thread::get_id();
    if (owner != std::thread::id() && owner != me) Fail();
  }
  // Binds to the calling thread; aborts when already bound to another one.
  void BindToCurrentThread() { Check(); }

  // The owner's name, as given.
  const char* what() const { return what_; }

  // See the file comment: checked calls inside the scope do not keep the owner bound.
  class SetUpScope {
   public:
    explicit SetUpScope(ThreadOwner& owner)
        : owner_(owner), was_unbound_(owner.owner_.load() == std::thread::id()) {
      owner.CheckIfBound();
    }
    ~SetUpScope() {
      if (was_unbound_) owner_.Unbind();
    }
    SetUpScope(const SetUpScope&) = delete;
    SetUpScope& operator=(const SetUpScope&) = delete;

   private:
    ThreadOwner& owner_;
    const bool was_unbound_;
  };

 private:
  void RecordOwnerTid();
  void Unbind() {
    owner_tid_.store(0, std::memory_order_relaxed);
    owner_.store(std::thread::id(), std::memory_order_relaxed);
  }
  [[noreturn]] void Fail() const;

  const char* const what_;
  std::atomic<std::thread::id> owner_{};  // std::thread::id(): not bound yet
  std::atomic<pid_t> owner_tid_{0};       // the owner's Linux thread id, for the message
};

}  // namespace borealis::base

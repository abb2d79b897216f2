// weft's native addon: process-shared memory and a futex that wakes across processes.
//
// Node cannot map shared memory by itself, and V8's Atomics.wait/notify only see waiters of
// their own process. This addon maps POSIX shared memory (shm_open + mmap MAP_SHARED) as a real
// SharedArrayBuffer, and waits and wakes on its words with the Linux futex (without the
// private flag, so a wake in one process reaches a waiter in another). Async waits run on a
// native thread and report through libuv, so the event loop never blocks.
//
// It uses V8's API (Node-API cannot create a SharedArrayBuffer over outside memory), so the
// binary is built per Node major version; weft falls back to thread-only shared memory when
// it cannot load (src/shared/native.ts).

#include <node.h>
#include <uv.h>
#include <v8.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

namespace {

using v8::Context;
using v8::External;
using v8::Function;
using v8::FunctionCallbackInfo;
using v8::FunctionTemplate;
using v8::Global;
using v8::HandleScope;
using v8::Int32Array;
using v8::Integer;
using v8::Isolate;
using v8::Local;
using v8::Number;
using v8::Object;
using v8::SharedArrayBuffer;
using v8::String;
using v8::Value;

// A blocking wait sleeps in slices this long, so that a terminated worker thread returns to
// JavaScript (where termination takes effect) and an abandoned async waiter ends soon.
constexpr double kSliceMs = 50;

enum WaitResult { kOk = 0, kNotEqual = 1, kTimedOut = 2 };

void Throw(Isolate* isolate, const char* code, const std::string& message) {
  Local<Context> context = isolate->GetCurrentContext();
  Local<Value> error = v8::Exception::Error(String::NewFromUtf8(isolate, message.c_str()).ToLocalChecked());
  error.As<Object>()
      ->Set(context, String::NewFromUtf8Literal(isolate, "code"), String::NewFromUtf8(isolate, code).ToLocalChecked())
      .Check();
  isolate->ThrowException(error);
}

const char* ErrnoCode(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case EACCES: return "EACCES";
    case EINVAL: return "EINVAL";
    case ENOMEM: return "ENOMEM";
    case ENOSPC: return "ENOSPC";
    default: return "ESHM";
  }
}

long Futex(int32_t* addr, int op, int32_t value, const struct timespec* timeout) {
  return syscall(SYS_futex, addr, op, value, timeout, nullptr, 0);
}

// One futex wait of at most `ms` milliseconds (ms < 0: no limit).
WaitResult WaitOnce(int32_t* addr, int32_t expected, double ms) {
  struct timespec ts;
  struct timespec* timeout = nullptr;
  if (ms >= 0) {
    ts.tv_sec = static_cast<time_t>(ms / 1000);
    ts.tv_nsec = static_cast<long>(std::fmod(ms, 1000) * 1e6);
    timeout = &ts;
  }
  if (Futex(addr, FUTEX_WAIT, expected, timeout) == 0) return kOk;
  if (errno == EAGAIN) return kNotEqual;
  if (errno == ETIMEDOUT) return kTimedOut;
  return kOk;  // EINTR and friends: the caller re-checks the word
}

double NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Waits while *addr == expected for up to `ms` (Infinity or < 0: forever), in slices, stopping
// early when `stop()` says so. Returns kNotEqual only when the word differed at once.
template <typename Stop>
WaitResult WaitSliced(int32_t* addr, int32_t expected, double ms, Stop stop) {
  const bool forever = !(ms >= 0) || std::isinf(ms);
  const double deadline = forever ? 0 : NowMs() + ms;
  bool first = true;
  for (;;) {
    double slice = kSliceMs;
    if (!forever) {
      const double left = deadline - NowMs();
      if (left <= 0) return kTimedOut;
      if (left < slice) slice = left;
    }
    const WaitResult r = WaitOnce(addr, expected, slice);
    if (r == kNotEqual) return first ? kNotEqual : kOk;
    if (r == kOk) return kOk;
    first = false;
    if (stop()) return kTimedOut;
  }
}

// The mappings this process made, by start address: shared by every thread (a worker thread
// that receives a mapped SharedArrayBuffer asks here whether its waits must use the futex).
struct Mapping {
  size_t size;
  std::string name;
};
std::mutex g_mappings_mutex;
std::map<uintptr_t, Mapping> g_mappings;

void Unmap(void* data, size_t length, void*) {
  {
    std::lock_guard<std::mutex> lock(g_mappings_mutex);
    g_mappings.erase(reinterpret_cast<uintptr_t>(data));
  }
  munmap(data, length);
}

// The name of the mapping that holds address `p`, or nullopt when this process mapped none there.
std::optional<std::string> MappingAt(const void* p) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  std::lock_guard<std::mutex> lock(g_mappings_mutex);
  auto it = g_mappings.upper_bound(a);
  if (it == g_mappings.begin()) return std::nullopt;
  --it;
  if (a < it->first || a >= it->first + it->second.size) return std::nullopt;
  return it->second.name;
}

// map(name, size, create): a SharedArrayBuffer over the POSIX shared memory object `name`.
// create: a new object of `size` bytes (fails if it exists); else attach the whole of an
// existing one, which must hold at least `size` bytes.
void Map(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (!args[0]->IsString() || !args[1]->IsNumber()) return Throw(isolate, "EINVAL", "map(name, size, create) takes a string and a number");
  String::Utf8Value name(isolate, args[0]);
  double requested = args[1].As<Number>()->Value();
  const bool create = args[2]->BooleanValue(isolate);
  if (!(requested >= 0) || requested > static_cast<double>(SIZE_MAX / 2)) return Throw(isolate, "EINVAL", "size must be a number of bytes >= 0");
  size_t size = static_cast<size_t>(requested);
  if (create && size == 0) return Throw(isolate, "EINVAL", "a new shared memory segment needs a size > 0");
  int fd = shm_open(*name, O_RDWR | (create ? O_CREAT | O_EXCL : 0), 0600);
  if (fd < 0) {
    const int e = errno;
    return Throw(isolate, ErrnoCode(e), std::string("shm_open(") + *name + "): " + strerror(e));
  }
  if (create) {
    if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
      const int e = errno;
      close(fd);
      shm_unlink(*name);
      return Throw(isolate, ErrnoCode(e), std::string("ftruncate(") + *name + "): " + strerror(e));
    }
  } else {
    struct stat st;
    if (fstat(fd, &st) != 0) {
      const int e = errno;
      close(fd);
      return Throw(isolate, ErrnoCode(e), std::string("fstat(") + *name + "): " + strerror(e));
    }
    const size_t actual = static_cast<size_t>(st.st_size);
    if (actual < size || actual == 0) {
      close(fd);
      return Throw(isolate, "ESIZE", std::string("shared memory segment ") + *name + " holds " + std::to_string(actual) + " bytes, fewer than the " + std::to_string(size) + " asked for");
    }
    size = actual;  // an attach maps the whole segment
  }
  void* addr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const int e = errno;
  close(fd);
  if (addr == MAP_FAILED) return Throw(isolate, ErrnoCode(e), std::string("mmap(") + *name + "): " + strerror(e));
  {
    std::lock_guard<std::mutex> lock(g_mappings_mutex);
    g_mappings[reinterpret_cast<uintptr_t>(addr)] = Mapping{size, *name};
  }
  std::unique_ptr<v8::BackingStore> store = SharedArrayBuffer::NewBackingStore(addr, size, Unmap, nullptr);
  args.GetReturnValue().Set(SharedArrayBuffer::New(isolate, std::move(store)));
}

// unlink(name): removes the name; mappings stay valid. False if it did not exist.
void Unlink(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  String::Utf8Value name(isolate, args[0]);
  args.GetReturnValue().Set(shm_unlink(*name) == 0);
}

// The address of word `index` of an Int32Array, or nullptr (with an exception thrown).
int32_t* WordAt(Isolate* isolate, Local<Value> array, Local<Value> index) {
  if (!array->IsInt32Array()) {
    Throw(isolate, "EINVAL", "expected an Int32Array");
    return nullptr;
  }
  Local<Int32Array> view = array.As<Int32Array>();
  const double i = index->IsNumber() ? index.As<Number>()->Value() : -1;
  if (!(i >= 0) || i >= static_cast<double>(view->Length()) || i != std::floor(i)) {
    Throw(isolate, "EINVAL", "index out of range");
    return nullptr;
  }
  std::shared_ptr<v8::BackingStore> store = view->Buffer()->GetBackingStore();
  return reinterpret_cast<int32_t*>(static_cast<char*>(store->Data()) + view->ByteOffset()) + static_cast<size_t>(i);
}

double TimeoutArg(Local<Value> v) {
  if (!v->IsNumber()) return -1;
  const double ms = v.As<Number>()->Value();
  return std::isinf(ms) ? -1 : ms;
}

// wait(i32, index, expected, timeoutMs): blocks the calling thread while i32[index] ===
// expected. 0 woken (or spurious: re-check), 1 not equal, 2 timed out. It sleeps one slice at
// most and then reports a spurious wake-up: the caller's loop waits again, and between two
// calls V8 acts on a terminate() of this worker thread (a longer native sleep would hang it).
void Wait(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  int32_t* addr = WordAt(isolate, args[0], args[1]);
  if (!addr) return;
  const int32_t expected = args[2]->Int32Value(isolate->GetCurrentContext()).FromMaybe(0);
  const double ms = TimeoutArg(args[3]);
  const bool longer = ms < 0 || ms > kSliceMs;
  WaitResult r = WaitOnce(addr, expected, longer ? kSliceMs : ms);
  if (r == kTimedOut && longer) r = kOk;
  args.GetReturnValue().Set(static_cast<int32_t>(r));
}

// wake(i32, index, count): wakes up to `count` waiters (in any process); returns how many.
void Wake(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  int32_t* addr = WordAt(isolate, args[0], args[1]);
  if (!addr) return;
  const double n = args[2]->IsNumber() ? args[2].As<Number>()->Value() : INT_MAX;
  const int count = n >= INT_MAX || std::isinf(n) ? INT_MAX : static_cast<int>(n < 0 ? 0 : n);
  args.GetReturnValue().Set(static_cast<int32_t>(Futex(addr, FUTEX_WAKE, count, nullptr)));
}

// mapped(sab): the name of the shared memory object this SharedArrayBuffer maps, if any thread
// of this process mapped it; else null.
void Mapped(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  args.GetReturnValue().SetNull();
  if (!args[0]->IsSharedArrayBuffer()) return;
  std::shared_ptr<v8::BackingStore> store = args[0].As<SharedArrayBuffer>()->GetBackingStore();
  if (store->Data() == nullptr) return;
  const std::optional<std::string> name = MappingAt(store->Data());
  if (name) args.GetReturnValue().Set(String::NewFromUtf8(isolate, name->c_str()).ToLocalChecked());
}

// alive(pid): whether a process with this id exists (EPERM: it does, owned by someone else).
void Alive(const FunctionCallbackInfo<Value>& args) {
  const int pid = args[0]->Int32Value(args.GetIsolate()->GetCurrentContext()).FromMaybe(0);
  args.GetReturnValue().Set(pid > 0 && (kill(pid, 0) == 0 || errno == EPERM));
}

// What async waits share with their waiter threads. The uv handle lives while `open`; the
// threads hold the struct itself, so it outlives an environment torn down under them.
struct Done {
  uint32_t id;
  int result;
  int32_t* addr;
};

struct Mailbox {
  std::mutex mutex;
  std::deque<Done> done;
  uv_async_t* async = nullptr;
  bool open = true;
  std::atomic<bool> stopping{false};
};

// Per instance of the addon (the main thread and each worker thread load their own).
struct Instance {
  Isolate* isolate = nullptr;
  std::shared_ptr<Mailbox> mailbox = std::make_shared<Mailbox>();
  struct Pending {
    Global<Function> callback;
    Global<Value> array;  // kept alive while a thread waits on its memory
    bool keepAlive;
  };
  std::map<uint32_t, Pending> waits;
  std::map<uint32_t, std::shared_ptr<std::atomic<bool>>> stops;
  int keepingAlive = 0;  // waits that hold the event loop open
  uint32_t next = 1;

  void Hold(bool keepAlive) {
    if (keepAlive && keepingAlive++ == 0) uv_ref(reinterpret_cast<uv_handle_t*>(mailbox->async));
  }
  void Release(bool keepAlive) {
    if (keepAlive && --keepingAlive == 0) uv_unref(reinterpret_cast<uv_handle_t*>(mailbox->async));
  }
};

void Deliver(uv_async_t* handle) {
  Instance* self = static_cast<Instance*>(handle->data);
  std::deque<Done> done;
  {
    std::lock_guard<std::mutex> lock(self->mailbox->mutex);
    done.swap(self->mailbox->done);
  }
  Isolate* isolate = self->isolate;
  HandleScope scope(isolate);
  for (const Done& d : done) {
    self->stops.erase(d.id);
    auto it = self->waits.find(d.id);
    if (it == self->waits.end()) {
      // Abandoned: a wake-up it took belongs to another waiter. Pass it on.
      if (d.result == kOk) Futex(d.addr, FUTEX_WAKE, 1, nullptr);
      continue;
    }
    Local<Function> callback = it->second.callback.Get(isolate);
    self->Release(it->second.keepAlive);
    self->waits.erase(it);
    Local<Value> argv[] = {Integer::New(isolate, d.result)};
    Local<Context> context = callback->GetCreationContextChecked();
    node::MakeCallback(isolate, context->Global(), callback, 1, argv, {0, 0});
  }
}

// One async wait, as handed to a waiter thread.
struct AsyncWait {
  std::shared_ptr<Mailbox> mailbox;
  std::shared_ptr<std::atomic<bool>> stop;
  int32_t* addr;
  int32_t expected;
  double ms;
  uint32_t id;
};

void RunWait(const AsyncWait& w) {
  const WaitResult r = WaitSliced(w.addr, w.expected, w.ms, [&] { return w.stop->load() || w.mailbox->stopping.load(); });
  std::lock_guard<std::mutex> lock(w.mailbox->mutex);
  if (!w.mailbox->open) return;
  w.mailbox->done.push_back(Done{w.id, static_cast<int>(r), w.addr});
  uv_async_send(w.mailbox->async);
}

// A thread per async wait: measured faster here than handing waits to parked threads (a woken
// parked thread costs an extra switch before it even sleeps on the futex).
void Submit(AsyncWait w) {
  std::thread(RunWait, std::move(w)).detach();
}

// waitAsync(i32, index, expected, timeoutMs, callback, keepAlive): like wait, on a native
// thread; `callback(result)` runs on this thread's event loop, which stays alive meanwhile
// unless keepAlive is false. Returns an id for abandon().
void WaitAsync(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  Instance* self = static_cast<Instance*>(args.Data().As<External>()->Value());
  int32_t* addr = WordAt(isolate, args[0], args[1]);
  if (!addr) return;
  if (!args[4]->IsFunction()) return Throw(isolate, "EINVAL", "waitAsync needs a callback");
  const int32_t expected = args[2]->Int32Value(isolate->GetCurrentContext()).FromMaybe(0);
  const double ms = TimeoutArg(args[3]);
  const bool keepAlive = args[5]->IsUndefined() || args[5]->BooleanValue(isolate);
  const uint32_t id = self->next++;
  self->Hold(keepAlive);
  self->waits.emplace(id, Instance::Pending{Global<Function>(isolate, args[4].As<Function>()), Global<Value>(isolate, args[0]), keepAlive});
  auto stop = std::make_shared<std::atomic<bool>>(false);
  self->stops.emplace(id, stop);
  Submit(AsyncWait{self->mailbox, stop, addr, expected, ms, id});
  args.GetReturnValue().Set(id);
}

// abandon(id): the JavaScript side gave up on an async wait (its signal fired): its thread
// stops within a slice, and its callback will not run.
void Abandon(const FunctionCallbackInfo<Value>& args) {
  Instance* self = static_cast<Instance*>(args.Data().As<External>()->Value());
  const uint32_t id = args[0]->Uint32Value(args.GetIsolate()->GetCurrentContext()).FromMaybe(0);
  auto stop = self->stops.find(id);
  if (stop != self->stops.end()) stop->second->store(true);
  auto it = self->waits.find(id);
  if (it == self->waits.end()) return;
  self->Release(it->second.keepAlive);
  self->waits.erase(it);
}

void Cleanup(void* arg) {
  Instance* self = static_cast<Instance*>(arg);
  {
    std::lock_guard<std::mutex> lock(self->mailbox->mutex);
    self->mailbox->open = false;
    self->mailbox->stopping.store(true);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(self->mailbox->async), [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
  self->mailbox->async = nullptr;
  delete self;
}

void Set(Local<Object> exports, Local<Context> context, const char* name, v8::FunctionCallback fn, Local<Value> data) {
  Isolate* isolate = context->GetIsolate();
  Local<Function> f = FunctionTemplate::New(isolate, fn, data)->GetFunction(context).ToLocalChecked();
  exports->Set(context, String::NewFromUtf8(isolate, name).ToLocalChecked(), f).Check();
}

}  // namespace

NODE_MODULE_INIT(/* exports, module, context */) {
  Isolate* isolate = context->GetIsolate();
  Instance* self = new Instance();
  self->isolate = isolate;
  self->mailbox->async = new uv_async_t;
  uv_async_init(node::GetCurrentEventLoop(isolate), self->mailbox->async, Deliver);
  self->mailbox->async->data = self;
  uv_unref(reinterpret_cast<uv_handle_t*>(self->mailbox->async));
  node::AddEnvironmentCleanupHook(isolate, Cleanup, self);
  Local<Value> data = External::New(isolate, self);
  Set(exports, context, "map", Map, data);
  Set(exports, context, "unlink", Unlink, data);
  Set(exports, context, "wait", Wait, data);
  Set(exports, context, "wake", Wake, data);
  Set(exports, context, "waitAsync", WaitAsync, data);
  Set(exports, context, "abandon", Abandon, data);
  Set(exports, context, "alive", Alive, data);
  Set(exports, context, "mapped", Mapped, data);
}

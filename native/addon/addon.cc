// capwire Node addon: a thin node-addon-api wrapper over the C++ engine.
// Shapes are validated here again (TS validates first, for good messages);
// blocking work (fs, process) runs on the libuv pool in an AsyncWorker.
#include <napi.h>

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "engine.h"

namespace {

using capwire::Code;
using capwire::Engine;
using capwire::Status;

// ---------------------------------------------------------------- outcomes

Napi::Object StatusObject(Napi::Env env, const Status& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", capwire::CodeName(s.code));
  o.Set("message", s.message);
  if (s.audit) {
    Napi::Object a = Napi::Object::New(env);
    a.Set("origin", s.audit->origin);
    a.Set("capability", s.audit->capability);
    a.Set("request", s.audit->request);
    a.Set("wouldAllow", s.audit->wouldAllow);
    o.Set("audit", a);
  }
  return o;
}

Napi::Object OkObject(Napi::Env env, Napi::Object result) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", "OK");
  o.Set("result", result);
  return o;
}

Napi::Buffer<uint8_t> ToBuffer(Napi::Env env, const std::vector<uint8_t>& v) {
  return Napi::Buffer<uint8_t>::Copy(env, v.data(), v.size());
}

// What an operation produces off the main thread: a status, and on success a
// builder that turns the captured result into a JS object on the main thread.
struct Reply {
  Status status;
  std::function<Napi::Object(Napi::Env)> build;
};

using Job = std::function<Reply()>;

class OpWorker : public Napi::AsyncWorker {
 public:
  OpWorker(Napi::Env env, Job job) : Napi::AsyncWorker(env, "capwire.call"), job_(std::move(job)), deferred_(env) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      reply_ = job_();
    } catch (const std::exception& e) {
      reply_.status = Status::Error(Code::kInternal, std::string("internal error: ") + e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (reply_.status.ok()) {
      deferred_.Resolve(OkObject(env, reply_.build ? reply_.build(env) : Napi::Object::New(env)));
    } else {
      deferred_.Resolve(StatusObject(env, reply_.status));
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Job job_;
  Reply reply_;
  Napi::Promise::Deferred deferred_;
};

Napi::Promise Resolved(Napi::Env env, Napi::Value v) {
  auto d = Napi::Promise::Deferred::New(env);
  d.Resolve(v);
  return d.Promise();
}

// ---------------------------------------------------------------- param parsing

class Params {
 public:
  Params(Napi::Object obj, std::string method) : obj_(obj), method_(std::move(method)) {}
  bool failed() const { return !error_.empty(); }
  Status error() const { return Status::Error(Code::kInvalidArgument, method_ + ": " + error_); }

  void AllowOnly(std::initializer_list<const char*> keys) {
    std::set<std::string> allowed(keys.begin(), keys.end());
    Napi::Array names = obj_.GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); ++i) {
      std::string k = names.Get(i).ToString().Utf8Value();
      if (allowed.count(k) == 0 && !obj_.Get(k).IsUndefined()) Fail("unknown field \"" + k + "\"");
    }
  }
  bool Has(const char* key) { return !obj_.Get(key).IsUndefined(); }
  std::string String(const char* key, bool required = true) {
    Napi::Value v = obj_.Get(key);
    if (v.IsUndefined() && !required) return "";
    if (!v.IsString()) return Fail(std::string(key) + " must be a string"), "";
    return v.As<Napi::String>().Utf8Value();
  }
  uint64_t Uint(const char* key, uint64_t max) {
    Napi::Value v = obj_.Get(key);
    if (!v.IsNumber()) return Fail(std::string(key) + " must be a number"), 0;
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0) || d != static_cast<double>(static_cast<uint64_t>(d)) || d > static_cast<double>(max)) {
      return Fail(std::string(key) + " must be an integer in 0.." + std::to_string(max)), 0;
    }
    return static_cast<uint64_t>(d);
  }
  bool Bool(const char* key) {
    Napi::Value v = obj_.Get(key);
    if (v.IsUndefined()) return false;
    if (!v.IsBoolean()) return Fail(std::string(key) + " must be a boolean"), false;
    return v.As<Napi::Boolean>().Value();
  }
  std::vector<uint8_t> Bytes(const char* key, bool required) {
    Napi::Value v = obj_.Get(key);
    if (v.IsUndefined() && !required) return {};
    if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
      auto a = v.As<Napi::Uint8Array>();
      return std::vector<uint8_t>(a.Data(), a.Data() + a.ByteLength());
    }
    return Fail(std::string(key) + " must be a Uint8Array"), std::vector<uint8_t>{};
  }
  std::vector<std::string> Strings(const char* key) {
    Napi::Value v = obj_.Get(key);
    if (v.IsUndefined()) return {};
    if (!v.IsArray()) return Fail(std::string(key) + " must be an array of strings"), std::vector<std::string>{};
    Napi::Array a = v.As<Napi::Array>();
    std::vector<std::string> out;
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value s = a.Get(i);
      if (!s.IsString()) return Fail(std::string(key) + " must be an array of strings"), std::vector<std::string>{};
      out.push_back(s.As<Napi::String>().Utf8Value());
    }
    return out;
  }

 private:
  void Fail(const std::string& why) {
    if (error_.empty()) error_ = why;
  }
  Napi::Object obj_;
  std::string method_;
  std::string error_;
};

constexpr uint64_t kMaxSafe = (uint64_t{1} << 53) - 1;

Status CancelledStatus(const std::string& method) {
  return Status::Error(Code::kCancelled, method + ": cancelled before it ran");
}

struct AddonData {
  Napi::FunctionReference engineClass;
  Napi::FunctionReference processClass;
  Napi::FunctionReference cancelClass;
};

// ---------------------------------------------------------------- process.spawn

// process.spawn without holding a pool thread for the program's lifetime (a
// page could otherwise starve every fs call of every session with a few
// sleeping programs): the program runs from a RunningProgram read in slices of
// at most 50 ms, each slice its own pool task; the output cap is checked here.
struct SpawnRun {
  std::shared_ptr<capwire::RunningProgram> program;
  std::shared_ptr<capwire::CancelToken> cancel;  // may be null
  uint64_t maxOutputBytes = 0;
  capwire::SpawnResult result;
  Napi::Promise::Deferred deferred;
};

class SpawnSliceWorker : public Napi::AsyncWorker {
 public:
  SpawnSliceWorker(Napi::Env env, std::shared_ptr<SpawnRun> run)
      : Napi::AsyncWorker(env, "capwire.spawn"), run_(std::move(run)) {}
  void Execute() override {
    auto piece = run_->program->Read(256 * 1024, run_->cancel.get(), 50);
    status_ = piece.status;
    if (!status_.ok()) return;
    exited_ = piece.value.exited;
    status_ = capwire::CollectOutput(&run_->result, std::move(piece.value), run_->maxOutputBytes,
                                     run_->program->context());
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (!status_.ok()) {
      run_->program.reset();  // kills and reaps the group (over the output cap) or reaps it (already killed)
      run_->deferred.Resolve(StatusObject(env, status_));
    } else if (exited_) {
      const capwire::SpawnResult& v = run_->result;
      Napi::Object o = Napi::Object::New(env);
      o.Set("exitCode", v.exitCode);
      if (!v.signal.empty()) o.Set("signal", v.signal);
      o.Set("stdout", ToBuffer(env, v.stdoutData));
      o.Set("stderr", ToBuffer(env, v.stderrData));
      run_->deferred.Resolve(OkObject(env, o));
    } else {
      (new SpawnSliceWorker(env, run_))->Queue();
    }
  }
  void OnError(const Napi::Error& e) override { run_->deferred.Reject(e.Value()); }

 private:
  std::shared_ptr<SpawnRun> run_;
  Status status_;
  bool exited_ = false;
};

// ---------------------------------------------------------------- cancel token

// `new CancelToken()`; pass it as call()'s fourth argument, then cancel() from
// JS stops the native operation (a spawned program's group is killed).
class CancelTokenWrap : public Napi::ObjectWrap<CancelTokenWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "CancelToken", {InstanceMethod<&CancelTokenWrap::Cancel>("cancel")});
  }
  explicit CancelTokenWrap(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<CancelTokenWrap>(info), token_(std::make_shared<capwire::CancelToken>()) {}
  std::shared_ptr<capwire::CancelToken> token() const { return token_; }

 private:
  Napi::Value Cancel(const Napi::CallbackInfo& info) {
    token_->Cancel();
    return info.Env().Undefined();
  }
  std::shared_ptr<capwire::CancelToken> token_;
};

// ---------------------------------------------------------------- running program

// A program started by startProcess: read() its output piece by piece,
// close() to kill it. Garbage collection also kills it: no child outlives
// its handle.
class ProcessWrap : public Napi::ObjectWrap<ProcessWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeProcess",
                       {InstanceMethod<&ProcessWrap::Read>("read"), InstanceMethod<&ProcessWrap::Close>("close"),
                        InstanceAccessor<&ProcessWrap::Pid>("pid")});
  }
  explicit ProcessWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProcessWrap>(info) {
    if (info.Length() == 1 && info[0].IsExternal()) {
      program_ = *info[0].As<Napi::External<std::shared_ptr<capwire::RunningProgram>>>().Data();
      pid_ = program_->pid();
    } else {
      Napi::TypeError::New(info.Env(), "NativeProcess: use engine.startProcess()").ThrowAsJavaScriptException();
    }
  }

 private:
  Napi::Value Pid(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), pid_); }

  // read(maxBytes) -> Promise<outcome {stdout, stderr, exited, exitCode?, signal?}>
  Napi::Value Read(const Napi::CallbackInfo& info);

  Napi::Value Close(const Napi::CallbackInfo& info) {
    cancel_->Cancel();   // a read in flight stops within 20 ms and kills the group
    program_.reset();    // with no read in flight, this kills and reaps right here
    return info.Env().Undefined();
  }

  std::shared_ptr<capwire::RunningProgram> program_;
  std::shared_ptr<capwire::CancelToken> cancel_ = std::make_shared<capwire::CancelToken>();
  int pid_ = -1;
};

std::shared_ptr<capwire::CancelToken> CancelFrom(const Napi::CallbackInfo& info, size_t index);
capwire::SpawnParams SpawnParamsFrom(Params& p);

// ---------------------------------------------------------------- engine object

class EngineWrap : public Napi::ObjectWrap<EngineWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeEngine",
                       {InstanceMethod<&EngineWrap::Call>("call"), InstanceMethod<&EngineWrap::Check>("check"),
                        InstanceMethod<&EngineWrap::StartProcess>("startProcess"),
                        InstanceMethod<&EngineWrap::Close>("close"),
                        InstanceAccessor<&EngineWrap::Mode>("resolver"),
                        InstanceAccessor<&EngineWrap::Inert>("inertRoots")});
  }

  explicit EngineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineWrap>(info) {
    if (info.Length() == 1 && info[0].IsExternal()) {
      engine_ = *info[0].As<Napi::External<std::shared_ptr<Engine>>>().Data();
    } else {
      Napi::TypeError::New(info.Env(), "NativeEngine: use openEngine(blob)").ThrowAsJavaScriptException();
    }
  }

 private:
  Napi::Value Closed(Napi::Env env) {
    return StatusObject(env, Status::Error(Code::kInternal, "engine is closed (open a new engine)"));
  }

  Napi::Value Mode(const Napi::CallbackInfo& info) {
    if (!engine_) return info.Env().Null();
    return Napi::String::New(info.Env(), engine_->mode() == capwire::ResolveMode::kOpenat2 ? "openat2" : "fallback");
  }

  Napi::Value Inert(const Napi::CallbackInfo& info) {
    Napi::Array a = Napi::Array::New(info.Env());
    if (!engine_) return a;
    uint32_t i = 0;
    for (const auto& p : engine_->InertRoots()) a.Set(i++, p);
    return a;
  }

  Napi::Value Check(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!engine_) return Closed(env);
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString() ||
        (info.Length() > 2 && !info[2].IsString() && !info[2].IsUndefined())) {
      return StatusObject(env, Status::Error(Code::kInvalidArgument,
                                             "check(origin, capability, scopeValue?): expected strings"));
    }
    std::string origin = info[0].As<Napi::String>().Utf8Value();
    std::string cap = info[1].As<Napi::String>().Utf8Value();
    bool hasScope = info.Length() > 2 && info[2].IsString();
    std::string scope = hasScope ? info[2].As<Napi::String>().Utf8Value() : "";
    Status s = engine_->Check(origin, cap, hasScope ? &scope : nullptr);
    if (s.ok()) return OkObject(env, Napi::Object::New(env));
    return StatusObject(env, s);
  }

  // startProcess(origin, {program, args, stdin, timeoutMs}) -> outcome {process}
  // (synchronous: the check and posix_spawn are quick; reads go to the pool).
  Napi::Value StartProcess(const Napi::CallbackInfo& info);

  Napi::Value Close(const Napi::CallbackInfo& info) {
    engine_.reset();  // in-flight workers keep their own reference; fds close with the last one
    return info.Env().Undefined();
  }

  Napi::Value Call(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!engine_) return Resolved(env, Closed(env));
    if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsObject() ||
        info[2].IsArray()) {
      return Resolved(env, StatusObject(env, Status::Error(Code::kInvalidArgument,
                                                           "call(origin, method, params): expected two strings "
                                                           "and a params object")));
    }
    std::string origin = info[0].As<Napi::String>().Utf8Value();
    std::string method = info[1].As<Napi::String>().Utf8Value();
    Params p(info[2].As<Napi::Object>(), method);
    std::shared_ptr<capwire::CancelToken> cancel = CancelFrom(info, 3);
    std::shared_ptr<Engine> e = engine_;
    Job job;
    bool inline_ = false;  // cheap, non-blocking work runs right here

    if (method == "fs.readFile") {
      p.AllowOnly({"path", "offset", "length"});
      std::string path = p.String("path");
      uint64_t offset = p.Has("offset") ? p.Uint("offset", kMaxSafe) : 0;
      std::optional<uint64_t> length;
      if (p.Has("length")) length = p.Uint("length", kMaxSafe);
      job = [e, origin, path, offset, length]() {
        auto r = e->ReadFile(origin, path, offset, length);
        auto data = std::make_shared<std::vector<uint8_t>>(std::move(r.value));
        return Reply{r.status, [data](Napi::Env env) {
                       Napi::Object o = Napi::Object::New(env);
                       o.Set("data", ToBuffer(env, *data));
                       return o;
                     }};
      };
    } else if (method == "fs.stat") {
      p.AllowOnly({"path"});
      std::string path = p.String("path");
      job = [e, origin, path]() {
        auto r = e->Stat(origin, path);
        auto st = r.value;
        return Reply{r.status, [st](Napi::Env env) {
                       Napi::Object o = Napi::Object::New(env);
                       o.Set("size", Napi::Number::New(env, static_cast<double>(st.size)));
                       o.Set("isFile", st.isFile);
                       o.Set("isDirectory", st.isDirectory);
                       o.Set("mtimeMs", st.mtimeMs);
                       return o;
                     }};
      };
    } else if (method == "fs.readDir") {
      p.AllowOnly({"path"});
      std::string path = p.String("path");
      job = [e, origin, path]() {
        auto r = e->ReadDir(origin, path);
        auto entries = std::make_shared<std::vector<capwire::DirEntry>>(std::move(r.value));
        return Reply{r.status, [entries](Napi::Env env) {
                       Napi::Array a = Napi::Array::New(env, entries->size());
                       uint32_t i = 0;
                       for (const auto& d : *entries) {
                         Napi::Object x = Napi::Object::New(env);
                         x.Set("name", d.name);
                         x.Set("isFile", d.isFile);
                         x.Set("isDirectory", d.isDirectory);
                         a.Set(i++, x);
                       }
                       Napi::Object o = Napi::Object::New(env);
                       o.Set("entries", a);
                       return o;
                     }};
      };
    } else if (method == "fs.writeFile") {
      p.AllowOnly({"path", "data", "append"});
      std::string path = p.String("path");
      auto data = std::make_shared<std::vector<uint8_t>>(p.Bytes("data", true));
      bool append = p.Bool("append");
      job = [e, origin, path, data, append]() {
        auto r = e->WriteFile(origin, path, data->data(), data->size(), append);
        uint64_t n = r.value;
        return Reply{r.status, [n](Napi::Env env) {
                       Napi::Object o = Napi::Object::New(env);
                       o.Set("bytesWritten", Napi::Number::New(env, static_cast<double>(n)));
                       return o;
                     }};
      };
    } else if (method == "fs.mkdir" || method == "fs.remove") {
      p.AllowOnly({"path"});
      std::string path = p.String("path");
      bool mk = method == "fs.mkdir";
      job = [e, origin, path, mk]() { return Reply{mk ? e->Mkdir(origin, path) : e->Remove(origin, path), nullptr}; };
    } else if (method == "env.get") {
      p.AllowOnly({"name"});
      std::string name = p.String("name");
      inline_ = true;  // getenv must not race process.env writes on the main thread
      job = [e, origin, name]() {
        auto r = e->EnvGet(origin, name);
        auto v = r.value;
        return Reply{r.status, [v](Napi::Env env) {
                       Napi::Object o = Napi::Object::New(env);
                       o.Set("present", v.present);
                       if (v.present) o.Set("value", v.value);
                       return o;
                     }};
      };
    } else if (method == "os.info") {
      p.AllowOnly({});
      inline_ = true;
      job = [e, origin]() {
        auto r = e->GetOsInfo(origin);
        auto v = r.value;
        return Reply{r.status, [v](Napi::Env env) {
                       Napi::Object o = Napi::Object::New(env);
                       o.Set("platform", v.platform);
                       o.Set("arch", v.arch);
                       o.Set("release", v.release);
                       o.Set("hostname", v.hostname);
                       return o;
                     }};
      };
    } else if (method == "process.spawn") {
      capwire::SpawnParams sp = SpawnParamsFrom(p);
      if (p.failed()) return Resolved(env, StatusObject(env, p.error()));
      if (cancel && cancel->cancelled()) return Resolved(env, StatusObject(env, CancelledStatus(method)));
      auto started = e->StartProgram(origin, sp, "process.spawn");  // the check, then posix_spawn: both quick
      if (!started.ok()) return Resolved(env, StatusObject(env, started.status));
      auto run = std::make_shared<SpawnRun>(SpawnRun{std::move(started.value), cancel,
                                                     e->policy().limits().maxSpawnOutputBytes, {},
                                                     Napi::Promise::Deferred::New(env)});
      Napi::Promise promise = run->deferred.Promise();
      (new SpawnSliceWorker(env, run))->Queue();
      return promise;
    } else if (method == "net.connect") {
      p.AllowOnly({"host", "port"});
      std::string host = p.String("host");
      uint64_t port = p.Uint("port", 65535);
      inline_ = true;
      job = [e, origin, host, port]() { return Reply{e->NetConnect(origin, host, static_cast<int64_t>(port)), nullptr}; };
    } else {
      return Resolved(env, StatusObject(env, Status::Error(Code::kUnknownMethod,
                                                           "unknown method \"" + method +
                                                               "\" (the native engine implements fs.*, env.get, "
                                                               "os.info, process.spawn, net.connect)")));
    }
    if (p.failed()) return Resolved(env, StatusObject(env, p.error()));
    if (inline_) {
      Reply r = job();
      if (!r.status.ok()) return Resolved(env, StatusObject(env, r.status));
      return Resolved(env, OkObject(env, r.build ? r.build(env) : Napi::Object::New(env)));
    }
    if (cancel) {
      // Queued work that was cancelled before a pool thread picked it up never runs.
      job = [job = std::move(job), cancel, method]() {
        return cancel->cancelled() ? Reply{CancelledStatus(method), nullptr} : job();
      };
    }
    auto* worker = new OpWorker(env, std::move(job));
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  std::shared_ptr<Engine> engine_;
};


// The CancelToken passed as info[index], if any (anything else is ignored).
std::shared_ptr<capwire::CancelToken> CancelFrom(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() <= index || !info[index].IsObject()) return nullptr;
  Napi::Object o = info[index].As<Napi::Object>();
  if (!o.InstanceOf(info.Env().GetInstanceData<AddonData>()->cancelClass.Value())) return nullptr;
  return CancelTokenWrap::Unwrap(o)->token();
}

capwire::SpawnParams SpawnParamsFrom(Params& p) {
  p.AllowOnly({"program", "args", "stdin", "timeoutMs"});
  capwire::SpawnParams sp;
  sp.program = p.String("program");
  sp.args = p.Strings("args");
  sp.stdinData = p.Bytes("stdin", false);
  if (p.Has("timeoutMs")) sp.timeoutMs = p.Uint("timeoutMs", kMaxSafe);
  return sp;
}

Napi::Value EngineWrap::StartProcess(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!engine_) return Closed(env);
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsObject() || info[1].IsArray()) {
    return StatusObject(env, Status::Error(Code::kInvalidArgument,
                                           "startProcess(origin, params): expected a string and a params object"));
  }
  std::string origin = info[0].As<Napi::String>().Utf8Value();
  Params p(info[1].As<Napi::Object>(), "process.spawnStream");
  capwire::SpawnParams sp = SpawnParamsFrom(p);
  if (p.failed()) return StatusObject(env, p.error());
  auto r = engine_->StartProgram(origin, sp);
  if (!r.ok()) return StatusObject(env, r.status);
  std::shared_ptr<capwire::RunningProgram> program(std::move(r.value));
  auto ext = Napi::External<std::shared_ptr<capwire::RunningProgram>>::New(env, &program);
  Napi::Object result = Napi::Object::New(env);
  result.Set("process", env.GetInstanceData<AddonData>()->processClass.New({ext}));
  return OkObject(env, result);
}

Napi::Value ProcessWrap::Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!program_) return Resolved(env, StatusObject(env, Status::Error(Code::kCancelled, "process: closed")));
  if (info.Length() < 1 || !info[0].IsNumber()) {
    return Resolved(env, StatusObject(env, Status::Error(Code::kInvalidArgument, "read(maxBytes): expected a number")));
  }
  double max = info[0].As<Napi::Number>().DoubleValue();
  size_t maxBytes = max >= 1 && max <= 16 * 1024 * 1024 ? static_cast<size_t>(max) : 64 * 1024;
  auto program = program_;
  auto cancel = cancel_;
  auto* worker = new OpWorker(env, [program, cancel, maxBytes]() {
    // 50 ms at most per read: a quiet program must not hold a pool thread that fs calls need.
    auto r = program->Read(maxBytes, cancel.get(), 50);
    auto v = std::make_shared<capwire::ProgramOutput>(std::move(r.value));
    return Reply{r.status, [v](Napi::Env env) {
                   Napi::Object o = Napi::Object::New(env);
                   o.Set("stdout", ToBuffer(env, v->stdoutData));
                   o.Set("stderr", ToBuffer(env, v->stderrData));
                   o.Set("exited", v->exited);
                   if (v->exited) o.Set("exitCode", v->exitCode);
                   if (!v->signal.empty()) o.Set("signal", v->signal);
                   return o;
                 }};
  });
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value OpenEngine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto fail = [&](const std::string& msg) {
    Napi::Error err = Napi::Error::New(env, msg);
    err.Set("code", "INVALID_ARGUMENT");
    err.ThrowAsJavaScriptException();
    return env.Undefined();
  };
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    return fail("openEngine(blob): blob must be a Uint8Array from encodePolicyBlob");
  }
  auto blob = info[0].As<Napi::Uint8Array>();
  capwire::EngineOptions opts;
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Value f = info[1].As<Napi::Object>().Get("forceNoOpenat2");
    opts.forceNoOpenat2 = f.IsBoolean() && f.As<Napi::Boolean>().Value();
  }
  auto r = Engine::Open(blob.Data(), blob.ByteLength(), opts);
  if (!r.ok()) return fail(r.status.message);
  auto* holder = new std::shared_ptr<Engine>(std::move(r.value));
  Napi::External<std::shared_ptr<Engine>> ext = Napi::External<std::shared_ptr<Engine>>::New(env, holder);
  Napi::Object obj = env.GetInstanceData<AddonData>()->engineClass.New({ext});
  delete holder;
  return obj;
}

Napi::Value Openat2Available(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), capwire::KernelHasOpenat2());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->engineClass = Napi::Persistent(EngineWrap::Define(env));
  data->processClass = Napi::Persistent(ProcessWrap::Define(env));
  data->cancelClass = Napi::Persistent(CancelTokenWrap::Define(env));
  env.SetInstanceData(data);
  exports.Set("openEngine", Napi::Function::New(env, OpenEngine, "openEngine"));
  exports.Set("CancelToken", data->cancelClass.Value());
  exports.Set("openat2Available", Napi::Function::New(env, Openat2Available, "openat2Available"));
  return exports;
}

}  // namespace

NODE_API_MODULE(capwire, Init)

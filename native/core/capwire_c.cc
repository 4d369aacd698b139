// capwire C API (native/include/capwire.h) over the C++ engine.
#include "capwire.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "engine.h"

struct capwire_engine {
  std::shared_ptr<capwire::Engine> engine;
};

struct capwire_cancel {
  capwire::CancelToken token;
};

struct capwire_process {
  std::unique_ptr<capwire::RunningProgram> program;
};

namespace {

using capwire::Code;
using capwire::Status;

char* Dup(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) return nullptr;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

capwire_code Fill(capwire_status* out, const Status& s) {
  if (out != nullptr) {
    std::memset(out, 0, sizeof(*out));
    out->code = static_cast<capwire_code>(s.code);
    if (!s.ok()) out->message = Dup(s.message);
    if (s.audit) {
      out->has_audit = 1;
      out->audit_origin = Dup(s.audit->origin);
      out->audit_capability = Dup(s.audit->capability);
      out->audit_request = Dup(s.audit->request);
      out->audit_would_allow = Dup(s.audit->wouldAllow);
    }
  }
  return static_cast<capwire_code>(s.code);
}

capwire_code Invalid(capwire_status* out, const char* what) {
  return Fill(out, Status::Error(Code::kInvalidArgument, std::string(what) + " is NULL"));
}

capwire_bytes ToBytes(const std::vector<uint8_t>& v) {
  capwire_bytes b{nullptr, 0};
  b.data = static_cast<uint8_t*>(std::malloc(v.empty() ? 1 : v.size()));
  if (b.data != nullptr) {
    if (!v.empty()) std::memcpy(b.data, v.data(), v.size());
    b.len = v.size();
  }
  return b;
}

#define CAPWIRE_REQUIRE(ptr, name) \
  if ((ptr) == nullptr) return Invalid(status, name)

}  // namespace

extern "C" {

const char* capwire_code_name(capwire_code code) { return capwire::CodeName(static_cast<Code>(code)); }

capwire_engine* capwire_engine_open(const uint8_t* blob, size_t len, capwire_status* status) {
  auto r = capwire::Engine::Open(blob, len);
  Fill(status, r.status);
  if (!r.ok()) return nullptr;
  return new (std::nothrow) capwire_engine{std::move(r.value)};
}

void capwire_engine_close(capwire_engine* engine) { delete engine; }

capwire_code capwire_check(const capwire_engine* e, const char* origin, const char* capability, const char* scope,
                           capwire_status* status) {
  CAPWIRE_REQUIRE(e, "engine");
  CAPWIRE_REQUIRE(origin, "origin");
  CAPWIRE_REQUIRE(capability, "capability");
  std::string s = scope ? scope : "";
  return Fill(status, e->engine->Check(origin, capability, scope ? &s : nullptr));
}

capwire_code capwire_fs_read_file(const capwire_engine* e, const char* origin, const char* path, uint64_t offset,
                                  int64_t length, capwire_bytes* out, capwire_status* status) {
  CAPWIRE_REQUIRE(e, "engine");
  CAPWIRE_REQUIRE(origin, "origin");
  CAPWIRE_REQUIRE(path, "path");
  CAPWIRE_REQUIRE(out, "out");
  *out = capwire_bytes{nullptr, 0};
  std::optional<uint64_t> len;
  if (length >= 0) len = static_cast<uint64_t>(length);
  auto r = e->engine->ReadFile(origin, path, offset, len);
  if (r.ok()) *out = ToBytes(r.value);
  return Fill(status, r.status);
}

capwire_code capwire_fs_stat(const capwire_engine* e, const char* origin, const char* path, capwire_stat* out,
                             capwire_status* status) {
  CAPWIRE_REQUIRE(e, "engine");
  CAPWIRE_REQUIRE(origin, "origin");
  CAPWIRE_REQUIRE(path, "path");
  CAPWIRE_REQUIRE(out, "out");
  auto r = e->engine->Stat(origin, path);
  *out = capwire_stat{r.value.size, r.value.isFile, r.value.isDirectory, r.value.mtimeMs};
  return Fill(status, r.status);
}

capwire_code capwire_fs_read_dir(const capwire_engine* e, const char* origin, const char* path, capwire_dir* out,
                                 capwire_status* status) {
  CAPWIRE_REQUIRE(e, "engine");
  CAPWIRE_REQUIRE(origin, "origin");
  CAPWIRE_REQUIRE(path, "path");
  CAPWIRE_REQUIRE(out, "out");
  *out = capwire_dir{nullptr, 0};
  auto r = e->engine->ReadDir(origin, path);
  if (r.ok() && !r.value.empty()) {
    out->entries = static_cast<capwire_dir_entry*>(std::calloc(r.value.size(), sizeof(capwire_dir_entry)));
    if (out->entries == nullptr) return Fill(status, Status::Error(Code::kResourceExhausted, "out of memory"));
    for (const auto& d : r.value) {
      out->entries[out->count++] = capwire_dir_entry{Dup(d.name), d.isFile, d.isDirectory};
    }
  }
  return Fill(status, r.status);
}

capwire_code capwire_fs_write_file(const capwire_engine* e, const char* origin, const char* path, const uint8_t* data,
                                   size_t len, int append, uint64_t* bytes_written, capwire_status* status) {
  CAPWIRE_REQUIRE(e, "engine");
  CAPWIRE_REQUIRE(origin, "origin");
  CAPWIRE_REQUIRE(path, "path");
  if (data == nullptr && len != 0) return Invalid(status, "data");
  static const uint8_t kEmpty = 0;
  auto r = e->engine->WriteFile(origin, path, data ? data : &kEmpty, len, append != 0);
  if (bytes_written != nullptr) *bytes_written = r.value;
  return Fill(status, r.status);
}

capwire_code capwire_fs_mkdir(const capwire_engine* e, const char* origin, const char* path, capwire_status* status) {
  CAPWIRE_REQUIRE(e, "engine");
  CAPWIRE_REQUIRE(origin, "origin");
  CAPWIRE_REQUIRE(path, "path");
  return Fill(status, e->engine->Mkdir(origin, path));
}

capwire_code capwire_fs_remove(const capwire_engine* e, const char* origin, const char* path, capwire_status* status) {
  CAPWIRE_REQUIRE(e, "engine");
  CAPWIRE_REQUIRE(origin, "origin");
  CAPWIRE_REQUIRE(path, "path");
  return Fill(status, e->engine->Remove(origin, path));
}

capwire_code capwire_env_get(const capwire_engine* e, const char* origin, const char* name, int* present, char** value,
                             capwire_status* status) {
  CAPWIRE_REQUIRE(e, "engine");
  CAPWIRE_REQUIRE(origin, "origin");
  CAPWIRE_REQUIRE(name, "name");
  CAPWIRE_REQUIRE(present, "present");
  CAPWIRE_REQUIRE(value, "value");
  auto r = e->engine->EnvGet(origin, name);
  *present = r.value.present;
  *value = r.value.present ? Dup(r.value.value) : nullptr;
  return Fill(status, r.status);
}

capwire_code capwire_os_info_get(const capwire_engine* e, const char* origin, capwire_os_info* out,
                                 capwire_status* status) {
  CAPWIRE_REQUIRE(e, "engine");
  CAPWIRE_REQUIRE(origin, "origin");
  CAPWIRE_REQUIRE(out, "out");
  std::memset(out, 0, sizeof(*out));
  auto r = e->engine->GetOsInfo(origin);
  if (r.ok()) {
    *out = capwire_os_info{Dup(r.value.platform), Dup(r.value.arch), Dup(r.value.release), Dup(r.value.hostname)};
  }
  return Fill(status, r.status);
}

// Shared by spawn and start: the C arguments as SpawnParams (false: a NULL where data was promised).
static bool ToSpawnParams(const char* program, const char* const* args, size_t nargs, const uint8_t* stdin_data,
                   size_t stdin_len, uint64_t timeout_ms, capwire::SpawnParams* p, const char** bad) {
  if (args == nullptr && nargs != 0) return *bad = "args", false;
  if (stdin_data == nullptr && stdin_len != 0) return *bad = "stdin_data", false;
  p->program = program;
  for (size_t i = 0; i < nargs; ++i) {
    if (args[i] == nullptr) return *bad = "an argument", false;
    p->args.emplace_back(args[i]);
  }
  if (stdin_len != 0) p->stdinData.assign(stdin_data, stdin_data + stdin_len);
  if (timeout_ms != 0) p->timeoutMs = timeout_ms;
  return true;
}

capwire_code capwire_process_spawn(const capwire_engine* e, const char* origin, const char* program,
                                   const char* const* args, size_t nargs, const uint8_t* stdin_data, size_t stdin_len,
                                   uint64_t timeout_ms, capwire_spawn_result* out, capwire_status* status) {
  return capwire_process_spawn_cancellable(e, origin, program, args, nargs, stdin_data, stdin_len, timeout_ms,
                                           nullptr, out, status);
}

capwire_code capwire_process_spawn_cancellable(const capwire_engine* e, const char* origin, const char* program,
                                               const char* const* args, size_t nargs, const uint8_t* stdin_data,
                                               size_t stdin_len, uint64_t timeout_ms, const capwire_cancel* cancel,
                                               capwire_spawn_result* out, capwire_status* status) {
  CAPWIRE_REQUIRE(e, "engine");
  CAPWIRE_REQUIRE(origin, "origin");
  CAPWIRE_REQUIRE(program, "program");
  CAPWIRE_REQUIRE(out, "out");
  std::memset(out, 0, sizeof(*out));
  capwire::SpawnParams p;
  const char* bad = nullptr;
  if (!ToSpawnParams(program, args, nargs, stdin_data, stdin_len, timeout_ms, &p, &bad)) return Invalid(status, bad);
  auto r = e->engine->Spawn(origin, p, cancel != nullptr ? &cancel->token : nullptr);
  if (r.ok()) {
    out->exit_code = r.value.exitCode;
    out->signal = r.value.signal.empty() ? nullptr : Dup(r.value.signal);
    out->out = ToBytes(r.value.stdoutData);
    out->err = ToBytes(r.value.stderrData);
  }
  return Fill(status, r.status);
}

capwire_cancel* capwire_cancel_new(void) { return new (std::nothrow) capwire_cancel(); }

void capwire_cancel_request(capwire_cancel* cancel) {
  if (cancel != nullptr) cancel->token.Cancel();
}

void capwire_cancel_free(capwire_cancel* cancel) { delete cancel; }

capwire_code capwire_process_start(const capwire_engine* e, const char* origin, const char* program,
                                   const char* const* args, size_t nargs, const uint8_t* stdin_data, size_t stdin_len,
                                   uint64_t timeout_ms, capwire_process** out, capwire_status* status) {
  CAPWIRE_REQUIRE(e, "engine");
  CAPWIRE_REQUIRE(origin, "origin");
  CAPWIRE_REQUIRE(program, "program");
  CAPWIRE_REQUIRE(out, "out");
  *out = nullptr;
  capwire::SpawnParams p;
  const char* bad = nullptr;
  if (!ToSpawnParams(program, args, nargs, stdin_data, stdin_len, timeout_ms, &p, &bad)) return Invalid(status, bad);
  auto r = e->engine->StartProgram(origin, p);
  if (r.ok()) {
    *out = new (std::nothrow) capwire_process{std::move(r.value)};
    if (*out == nullptr) return Fill(status, Status::Error(Code::kInternal, "process.spawnStream: out of memory"));
  }
  return Fill(status, r.status);
}

capwire_code capwire_process_read(capwire_process* process, size_t max_bytes, int max_wait_ms,
                                  const capwire_cancel* cancel, capwire_process_output* out, capwire_status* status) {
  CAPWIRE_REQUIRE(process, "process");
  CAPWIRE_REQUIRE(out, "out");
  std::memset(out, 0, sizeof(*out));
  auto r = process->program->Read(max_bytes, cancel != nullptr ? &cancel->token : nullptr,
                                  max_wait_ms < 0 ? INT64_MAX : max_wait_ms);
  if (r.ok()) {
    out->out = ToBytes(r.value.stdoutData);
    out->err = ToBytes(r.value.stderrData);
    out->exited = r.value.exited ? 1 : 0;
    out->exit_code = r.value.exitCode;
    out->signal = r.value.signal.empty() ? nullptr : Dup(r.value.signal);
  }
  return Fill(status, r.status);
}

int capwire_process_pid(const capwire_process* process) { return process != nullptr ? process->program->pid() : -1; }

void capwire_process_close(capwire_process* process) { delete process; }

void capwire_process_output_free(capwire_process_output* o) {
  if (o == nullptr) return;
  std::free(o->signal);
  capwire_bytes_free(&o->out);
  capwire_bytes_free(&o->err);
  o->signal = nullptr;
}

capwire_code capwire_net_connect(const capwire_engine* e, const char* origin, const char* host, int port,
                                 capwire_status* status) {
  CAPWIRE_REQUIRE(e, "engine");
  CAPWIRE_REQUIRE(origin, "origin");
  CAPWIRE_REQUIRE(host, "host");
  return Fill(status, e->engine->NetConnect(origin, host, port));
}

void capwire_status_clear(capwire_status* s) {
  if (s == nullptr) return;
  std::free(s->message);
  std::free(s->audit_origin);
  std::free(s->audit_capability);
  std::free(s->audit_request);
  std::free(s->audit_would_allow);
  std::memset(s, 0, sizeof(*s));
}

void capwire_bytes_free(capwire_bytes* b) {
  if (b == nullptr) return;
  std::free(b->data);
  b->data = nullptr;
  b->len = 0;
}

void capwire_dir_free(capwire_dir* d) {
  if (d == nullptr) return;
  for (size_t i = 0; i < d->count; ++i) std::free(d->entries[i].name);
  std::free(d->entries);
  d->entries = nullptr;
  d->count = 0;
}

void capwire_os_info_free(capwire_os_info* i) {
  if (i == nullptr) return;
  std::free(i->platform);
  std::free(i->arch);
  std::free(i->release);
  std::free(i->hostname);
  std::memset(i, 0, sizeof(*i));
}

void capwire_spawn_result_free(capwire_spawn_result* r) {
  if (r == nullptr) return;
  std::free(r->signal);
  capwire_bytes_free(&r->out);
  capwire_bytes_free(&r->err);
  r->signal = nullptr;
}

void capwire_string_free(char* s) { std::free(s); }

}  // extern "C"

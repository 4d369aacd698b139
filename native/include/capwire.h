/* capwire C API: the native permission engine for non-Node hosts.
 *
 * Every operation takes the calling page's origin (from the platform, never from
 * a message), checks it against the loaded policy and only then touches the OS.
 * Functions return a capwire_code and fill a capwire_status; on a denial the
 * status carries an audit record. Free every out-value with the matching
 * capwire_*_free function. An engine may be used from several threads.
 */
#ifndef CAPWIRE_H_
#define CAPWIRE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Numbering matches the proto enum capwire.v1.ErrorCode. */
typedef enum capwire_code {
  CAPWIRE_OK = 0,
  CAPWIRE_PERMISSION_DENIED = 1,
  CAPWIRE_NOT_FOUND = 2,
  CAPWIRE_INVALID_ARGUMENT = 3,
  CAPWIRE_UNKNOWN_METHOD = 4,
  CAPWIRE_UNSUPPORTED_VERSION = 5,
  CAPWIRE_MALFORMED_MESSAGE = 6,
  CAPWIRE_PAYLOAD_TOO_LARGE = 7,
  CAPWIRE_TIMEOUT = 8,
  CAPWIRE_CANCELLED = 9,
  CAPWIRE_RESOURCE_EXHAUSTED = 10,
  CAPWIRE_IO_ERROR = 11,
  CAPWIRE_INTERNAL = 12
} capwire_code;

typedef struct capwire_engine capwire_engine;

/* Filled on every call. Strings are owned by the status (NULL when absent);
 * release them with capwire_status_clear. */
typedef struct capwire_status {
  capwire_code code;
  char* message;
  int has_audit;
  char* audit_origin;
  char* audit_capability;
  char* audit_request;
  char* audit_would_allow;
} capwire_status;

typedef struct capwire_bytes {
  uint8_t* data;
  size_t len;
} capwire_bytes;

typedef struct capwire_stat {
  uint64_t size;
  int is_file;
  int is_directory;
  double mtime_ms;
} capwire_stat;

typedef struct capwire_dir_entry {
  char* name;
  int is_file;
  int is_directory;
} capwire_dir_entry;

typedef struct capwire_dir {
  capwire_dir_entry* entries;
  size_t count;
} capwire_dir;

typedef struct capwire_os_info {
  char* platform;
  char* arch;
  char* release;
  char* hostname;
} capwire_os_info;

typedef struct capwire_spawn_result {
  int exit_code;  /* -1 when killed by a signal */
  char* signal;   /* "SIGKILL", ... or NULL */
  capwire_bytes out;
  capwire_bytes err;
} capwire_spawn_result;

/* Stable name of a code: "PERMISSION_DENIED", ... */
const char* capwire_code_name(capwire_code code);

/* Loads a policy blob (see native/README.md). NULL on failure (status says why). */
capwire_engine* capwire_engine_open(const uint8_t* blob, size_t len, capwire_status* status);
/* Releases the root fds. Safe to call with NULL. */
void capwire_engine_close(capwire_engine* engine);

/* Pure decision; scope may be NULL for capabilities without scope. */
capwire_code capwire_check(const capwire_engine* engine, const char* origin, const char* capability,
                           const char* scope, capwire_status* status);

/* length < 0 reads to the end of the file. */
capwire_code capwire_fs_read_file(const capwire_engine* engine, const char* origin, const char* path,
                                  uint64_t offset, int64_t length, capwire_bytes* out, capwire_status* status);
capwire_code capwire_fs_stat(const capwire_engine* engine, const char* origin, const char* path, capwire_stat* out,
                             capwire_status* status);
capwire_code capwire_fs_read_dir(const capwire_engine* engine, const char* origin, const char* path,
                                 capwire_dir* out, capwire_status* status);
capwire_code capwire_fs_write_file(const capwire_engine* engine, const char* origin, const char* path,
                                   const uint8_t* data, size_t len, int append, uint64_t* bytes_written,
                                   capwire_status* status);
capwire_code capwire_fs_mkdir(const capwire_engine* engine, const char* origin, const char* path,
                              capwire_status* status);
capwire_code capwire_fs_remove(const capwire_engine* engine, const char* origin, const char* path,
                               capwire_status* status);
/* *value is NULL when the variable is not set (and *present is 0). */
capwire_code capwire_env_get(const capwire_engine* engine, const char* origin, const char* name, int* present,
                             char** value, capwire_status* status);
capwire_code capwire_os_info_get(const capwire_engine* engine, const char* origin, capwire_os_info* out,
                                 capwire_status* status);
/* timeout_ms == 0 uses the policy default. */
capwire_code capwire_process_spawn(const capwire_engine* engine, const char* origin, const char* program,
                                   const char* const* args, size_t nargs, const uint8_t* stdin_data,
                                   size_t stdin_len, uint64_t timeout_ms, capwire_spawn_result* out,
                                   capwire_status* status);
/* Cancellation. A token is passed to an operation and may be cancelled from any
 * thread; the operation then stops within about 20 ms (a running program's
 * process group is killed) and returns CAPWIRE_CANCELLED. */
typedef struct capwire_cancel capwire_cancel;
capwire_cancel* capwire_cancel_new(void);
void capwire_cancel_request(capwire_cancel* cancel);
/* Only after every operation using the token has returned. */
void capwire_cancel_free(capwire_cancel* cancel);

/* capwire_process_spawn with a cancel token (NULL: not cancellable). */
capwire_code capwire_process_spawn_cancellable(const capwire_engine* engine, const char* origin, const char* program,
                                               const char* const* args, size_t nargs, const uint8_t* stdin_data,
                                               size_t stdin_len, uint64_t timeout_ms, const capwire_cancel* cancel,
                                               capwire_spawn_result* out, capwire_status* status);

/* A program started for reading its output piece by piece (checked exactly like
 * capwire_process_spawn). Nothing is buffered beyond what a read returns, so a
 * host that stops reading stops the program at a full pipe. */
typedef struct capwire_process capwire_process;

typedef struct capwire_process_output {
  capwire_bytes out;
  capwire_bytes err;
  int exited;     /* 1 on the last piece: the program ended and its output was read */
  int exit_code;  /* when exited; -1 when killed by a signal */
  char* signal;   /* when exited by a signal: "SIGKILL", ... else NULL */
} capwire_process_output;

capwire_code capwire_process_start(const capwire_engine* engine, const char* origin, const char* program,
                                   const char* const* args, size_t nargs, const uint8_t* stdin_data, size_t stdin_len,
                                   uint64_t timeout_ms, capwire_process** out, capwire_status* status);
/* Waits up to max_wait_ms (< 0: no limit) for output (at most max_bytes) or the
 * exit; the output may be empty. TIMEOUT or CANCELLED kill the process group. */
capwire_code capwire_process_read(capwire_process* process, size_t max_bytes, int max_wait_ms,
                                  const capwire_cancel* cancel, capwire_process_output* out, capwire_status* status);
/* The program's pid (also its process group id). */
int capwire_process_pid(const capwire_process* process);
/* Kills the process group if the program still runs, reaps it, frees. NULL is fine. */
void capwire_process_close(capwire_process* process);
void capwire_process_output_free(capwire_process_output* out);

/* Policy check only; when granted returns CAPWIRE_UNKNOWN_METHOD (streams come later). */
capwire_code capwire_net_connect(const capwire_engine* engine, const char* origin, const char* host, int port,
                                 capwire_status* status);

void capwire_status_clear(capwire_status* status);
void capwire_bytes_free(capwire_bytes* bytes);
void capwire_dir_free(capwire_dir* dir);
void capwire_os_info_free(capwire_os_info* info);
void capwire_spawn_result_free(capwire_spawn_result* result);
void capwire_string_free(char* s);

#ifdef __cplusplus
}
#endif

#endif /* CAPWIRE_H_ */

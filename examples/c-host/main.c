/* capwire example: a plain C host using the native engine through capwire.h.
 * Usage: capwire_example_c WORKSPACE_DIR
 * Builds a tiny policy blob (fs.read on WORKSPACE_DIR/data for app://main),
 * reads a granted file, then shows a denial with its audit record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capwire.h"

static size_t put_u32(uint8_t* b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off++] = (uint8_t)(v >> (8 * i));
  return off;
}

static size_t put_u64(uint8_t* b, size_t off, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[off++] = (uint8_t)(v >> (8 * i));
  return off;
}

static size_t put_str(uint8_t* b, size_t off, const char* s) {
  size_t n = strlen(s);
  off = put_u32(b, off, (uint32_t)n);
  memcpy(b + off, s, n);
  return off + n;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s WORKSPACE_DIR\n", argv[0]);
    return 2;
  }
  char data_dir[4096], granted[4096], outside[4096];
  snprintf(data_dir, sizeof data_dir, "%s/data", argv[1]);
  snprintf(granted, sizeof granted, "%s/data/hello.txt", argv[1]);
  snprintf(outside, sizeof outside, "%s/secret.txt", argv[1]);

  /* Policy blob v1: magic, version, flags, 4 limits, rule count, rules. */
  uint8_t blob[8192];
  size_t off = 0;
  memcpy(blob, "CPWP", 4);
  off = 4;
  blob[off++] = 1; blob[off++] = 0; /* format version 1 */
  blob[off++] = 0; blob[off++] = 0; /* flags */
  off = put_u64(blob, off, 8u << 20); /* maxReadBytes */
  off = put_u64(blob, off, 1u << 20); /* maxSpawnOutputBytes */
  off = put_u64(blob, off, 10000);    /* defaultSpawnTimeoutMs */
  off = put_u64(blob, off, 8u << 20); /* maxWriteBytes */
  off = put_u32(blob, off, 1);        /* one rule */
  blob[off++] = 0;                    /* grant */
  blob[off++] = 1;                    /* scope kind: path */
  off = put_str(blob, off, "app://main");
  off = put_str(blob, off, "fs.read");
  off = put_str(blob, off, data_dir);

  capwire_status st;
  capwire_engine* engine = capwire_engine_open(blob, off, &st);
  if (engine == NULL) {
    fprintf(stderr, "open failed: %s\n", st.message);
    capwire_status_clear(&st);
    return 1;
  }
  capwire_status_clear(&st);

  capwire_bytes content;
  capwire_code code = capwire_fs_read_file(engine, "app://main", granted, 0, -1, &content, &st);
  if (code != CAPWIRE_OK) {
    fprintf(stderr, "read failed: %s %s\n", capwire_code_name(code), st.message);
    capwire_status_clear(&st);
    capwire_engine_close(engine);
    return 1;
  }
  printf("read %s: %.*s\n", granted, (int)content.len, (const char*)content.data);
  capwire_bytes_free(&content);
  capwire_status_clear(&st);

  code = capwire_fs_read_file(engine, "app://main", outside, 0, -1, &content, &st);
  printf("denied: %s: %s\n", capwire_code_name(code), st.message);
  if (st.has_audit) {
    printf("audit: origin=%s capability=%s request=%s wouldAllow=%s\n", st.audit_origin, st.audit_capability,
           st.audit_request, st.audit_would_allow);
  }
  int denied_ok = code == CAPWIRE_PERMISSION_DENIED && st.has_audit;
  capwire_status_clear(&st);
  capwire_engine_close(engine);
  return denied_ok ? 0 : 1;
}

/*
 * TCP MD5 signatures (RFC 2385) and socket options Node's net module does not expose.
 * socket(family) -> fd; setMd5(fd, peerAddress, key|null); bind(fd, address, port);
 * setTtl(fd, family, ttl); setMinTtl(fd, family, ttl). Errors throw with errno text.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <linux/tcp.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(call)                                                            \
  do {                                                                         \
    if ((call) != napi_ok) {                                                   \
      napi_throw_error(env, NULL, "bad arguments");                            \
      return NULL;                                                             \
    }                                                                          \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_throw_error(env, "BGPD_ERR_SOCKET", msg);
  return NULL;
}

static int parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len, int port) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    *len = sizeof *a4;
    return 0;
  }
  if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    *len = sizeof *a6;
    return 0;
  }
  return -1;
}

static napi_value js_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t family;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &family));
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket");
  napi_value out;
  CHECK(napi_create_int32(env, fd, &out));
  return out;
}

static napi_value js_set_md5(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd;
  char addr[64];
  char key[TCP_MD5SIG_MAXKEYLEN + 2];
  size_t addr_len, key_len = 0;
  napi_valuetype t;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_string_utf8(env, argv[1], addr, sizeof addr, &addr_len));
  CHECK(napi_typeof(env, argv[2], &t));
  if (t == napi_string) CHECK(napi_get_value_string_utf8(env, argv[2], key, sizeof key, &key_len));
  if (key_len > TCP_MD5SIG_MAXKEYLEN) {
    napi_throw_range_error(env, "BGPD_ERR_MD5_KEY", "TCP MD5 key longer than 80 bytes");
    return NULL;
  }
  struct tcp_md5sig sig;
  memset(&sig, 0, sizeof sig);
  socklen_t len;
  /* tcpm_addr is the kernel's sockaddr_storage: the same layout as the libc one. */
  if (parse_addr(addr, (struct sockaddr_storage *)&sig.tcpm_addr, &len, 0) != 0) {
    napi_throw_type_error(env, "BGPD_ERR_MD5_ADDRESS", "not an IP address");
    return NULL;
  }
  sig.tcpm_keylen = (uint16_t)key_len; /* 0 removes the key */
  memcpy(sig.tcpm_key, key, key_len);
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) != 0) return throw_errno(env, "setsockopt(TCP_MD5SIG)");
  return NULL;
}

static napi_value js_bind(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd, port;
  char addr[64];
  size_t addr_len;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_string_utf8(env, argv[1], addr, sizeof addr, &addr_len));
  CHECK(napi_get_value_int32(env, argv[2], &port));
  struct sockaddr_storage ss;
  socklen_t len;
  if (parse_addr(addr, &ss, &len, port) != 0) {
    napi_throw_type_error(env, "BGPD_ERR_BIND_ADDRESS", "not an IP address");
    return NULL;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&ss, len) != 0) return throw_errno(env, "bind");
  return NULL;
}

static napi_value set_int_opt(napi_env env, napi_callback_info info, int v4opt, int v6opt, const char *what) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd, family, value;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_int32(env, argv[1], &family));
  CHECK(napi_get_value_int32(env, argv[2], &value));
  int level = family == 6 ? IPPROTO_IPV6 : IPPROTO_IP;
  int opt = family == 6 ? v6opt : v4opt;
  if (setsockopt(fd, level, opt, &value, sizeof value) != 0) return throw_errno(env, what);
  return NULL;
}

static napi_value js_set_ttl(napi_env env, napi_callback_info info) {
  return set_int_opt(env, info, IP_TTL, IPV6_UNICAST_HOPS, "setsockopt(IP_TTL)");
}

static napi_value js_set_min_ttl(napi_env env, napi_callback_info info) {
  return set_int_opt(env, info, IP_MINTTL, 73 /* IPV6_MINHOPCOUNT */, "setsockopt(IP_MINTTL)");
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  close(fd);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"socket", NULL, js_socket, NULL, NULL, NULL, napi_default, NULL},
      {"setMd5", NULL, js_set_md5, NULL, NULL, NULL, napi_default, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_default, NULL},
      {"setTtl", NULL, js_set_ttl, NULL, NULL, NULL, napi_default, NULL},
      {"setMinTtl", NULL, js_set_min_ttl, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

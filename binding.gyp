{
  "targets": [
    {
      "target_name": "tcp_md5",
      "sources": ["native/tcp_md5.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}

/* Fetches one URL with HTTP/1.1 and prints the status line's code and the body.
 *
 *   http_client http://HOST[:PORT]/PATH
 *
 * Output: "status: CODE" on stdout, then the body. Exit 0 for a 2xx answer, 1 for any other
 * answer or failure (with the reason on stderr: in the sandbox a connect the policy does not
 * allow fails with EACCES, "Permission denied").
 *
 * The same source builds natively (gcc) and for wasm32-wasi with sdk/c (clang-19). */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2 || strncmp(argv[1], "http://", 7)) {
    fprintf(stderr, "usage: http_client http://HOST[:PORT]/PATH\n");
    return 2;
  }
  /* Split http://host[:port]/path. */
  char host[256], port[8] = "80";
  const char *h = argv[1] + 7, *slash = strchr(h, '/');
  const char *path = slash ? slash : "/";
  size_t hl = slash ? (size_t)(slash - h) : strlen(h);
  if (hl == 0 || hl >= sizeof host) {
    fprintf(stderr, "http_client: bad URL %s\n", argv[1]);
    return 2;
  }
  memcpy(host, h, hl);
  host[hl] = 0;
  char *colon = strrchr(host, ':');
  if (colon) {
    *colon = 0;
    snprintf(port, sizeof port, "%s", colon + 1);
  }

  struct addrinfo hints, *res, *ai;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int g = getaddrinfo(host, port, &hints, &res);
  if (g) {
    fprintf(stderr, "http_client: resolve %s: %s%s%s\n", host, gai_strerror(g),
            g == EAI_SYSTEM ? ": " : "", g == EAI_SYSTEM ? strerror(errno) : "");
    return 1;
  }
  int fd = -1, err = 0;
  for (ai = res; ai; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    err = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    fprintf(stderr, "http_client: connect %s:%s: %s\n", host, port, strerror(err));
    return 1;
  }

  char req[2048];
  /* Host header: host[:port] exactly as in the URL. */
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: %.*s\r\nUser-Agent: wc-http-client\r\n"
                   "Connection: close\r\n\r\n",
                   path, (int)hl, h);
  if (n < 0 || (size_t)n >= sizeof req || write_all(fd, req, (size_t)n) < 0) {
    fprintf(stderr, "http_client: send: %s\n", strerror(errno));
    return 1;
  }

  /* Read the head, then the body: Content-Length bytes, or up to EOF. */
  static char buf[65536];
  size_t len = 0;
  char *body = NULL;
  while (!body) {
    if (len == sizeof buf - 1) {
      fprintf(stderr, "http_client: response head too large\n");
      return 1;
    }
    ssize_t r = recv(fd, buf + len, sizeof buf - 1 - len, 0);
    if (r <= 0) {
      fprintf(stderr, "http_client: %s before the end of the response head\n",
              r == 0 ? "connection closed" : strerror(errno));
      return 1;
    }
    len += (size_t)r;
    buf[len] = 0;
    char *e = strstr(buf, "\r\n\r\n");
    if (e) body = e + 4;
  }
  int status = 0;
  if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
    fprintf(stderr, "http_client: not an HTTP response\n");
    return 1;
  }
  long long want = -1;
  for (char *p = strstr(buf, "\r\n"); p && p + 2 < body; p = strstr(p + 2, "\r\n"))
    if (!strncasecmp(p + 2, "Content-Length:", 15)) want = atoll(p + 17);
  printf("status: %d\n", status);
  size_t have = len - (size_t)(body - buf);
  if (want >= 0 && (long long)have > want) have = (size_t)want;
  fwrite(body, 1, have, stdout);
  long long got = (long long)have;
  while (want < 0 || got < want) {
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (want >= 0) {
        fprintf(stderr, "http_client: body cut short (%lld of %lld bytes)\n", got, want);
        return 1;
      }
      break;
    }
    if (want >= 0 && got + r > want) r = (ssize_t)(want - got);
    fwrite(buf, 1, (size_t)r, stdout);
    got += r;
  }
  close(fd);
  fflush(stdout);
  return status >= 200 && status < 300 ? 0 : 1;
}
